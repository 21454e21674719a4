"""Identity's tables (tables.py), its signing keys, org units, accounts and clients (keys.py, directory.py,
demo.py), the login writes and their events (logins.py, events.py), what an OAuth request loads before
authlib decides (oauth_rows.py), secrets sealed at rest (sealing.py), and the request's transaction."""
