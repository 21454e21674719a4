"""The console keeps no tables: signed-in people's sessions (sessions.py) and the browsers listening for live
changes (live.py) live in this process's memory."""
