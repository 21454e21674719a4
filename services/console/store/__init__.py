"""The console keeps no tables: signed-in people's sessions live in this process's memory (sessions.py)."""
