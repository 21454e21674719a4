"""The simulator's SQLite file: status syncs received, and their delivery ids (replay detection)."""

import json
from pathlib import Path
from typing import Any

import aiosqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS status_sync (
    delivery_id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS status_sync_ticket ON status_sync (ticket_id, received_at);
"""


class StatusStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(self.path) as db:
            await db.executescript(SCHEMA)

    async def add(self, *, delivery_id: str, ticket_id: str, body: dict[str, Any], received_at: float) -> bool:
        """Store one sync; False if the delivery id was seen before (a replay)."""
        async with aiosqlite.connect(self.path) as db:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO status_sync VALUES (?, ?, ?, ?)",
                (delivery_id, ticket_id, json.dumps(body, ensure_ascii=False), received_at),
            )
            await db.commit()
            return cursor.rowcount == 1

    async def for_ticket(self, ticket_id: str) -> list[dict[str, Any]]:
        async with aiosqlite.connect(self.path) as db:
            rows = await db.execute_fetchall(
                "SELECT body FROM status_sync WHERE ticket_id = ? ORDER BY received_at, rowid", (ticket_id,))
        return [json.loads(body) for (body,) in rows]
