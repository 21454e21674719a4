"""The log's append path at the driver level, below SQLAlchemy (verification reads in `log_scan`).

Through the ORM or Core each row costs more than hashing it: per-row parameter processing, JSON
re-encoding, and on PostgreSQL one INSERT per row. Here a batch goes in as one COPY (PostgreSQL) or one
`executemany` (SQLite), with payload and headers already encoded.

Rows are tuples in `ENTRY_FIELDS` order; `payload` and `headers` are JSON text.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from services.audit.store import LogEntry


ENTRY_FIELDS = (
    "topic", "partition", "sequence", "event_id", "event_type", "occurred_at", "case_id",
    "payload", "headers", "prev_hash", "entry_hash",
)
_OCCURRED_AT = ENTRY_FIELDS.index("occurred_at")
_OCCURRED_AT_TYPE = LogEntry.__table__.c.occurred_at.type  # type: ignore[attr-defined]
_COLUMNS = ", ".join(f'"{name}"' for name in ENTRY_FIELDS)
_SQLITE_INSERT = f"INSERT INTO audit_entry ({_COLUMNS}) VALUES ({', '.join('?' * len(ENTRY_FIELDS))})"


async def stored_event_ids(connection: AsyncConnection, event_ids: Sequence[str]) -> set[str]:
    """Which of these event ids are already in the log: one parameter, whatever the batch size."""
    if connection.dialect.name == "postgresql":
        query, parameter = "SELECT event_id FROM audit_entry WHERE event_id = ANY($1::text[])", list(event_ids)
    else:
        query, parameter = "SELECT event_id FROM audit_entry WHERE event_id IN (SELECT value FROM json_each(?))", orjson.dumps(event_ids).decode()
    return set((await connection.exec_driver_sql(query, (parameter,))).scalars())


async def insert_entries(connection: AsyncConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert `rows` in the connection's current transaction.

    The caller must already have run a statement in this transaction through SQLAlchemy (append looks up
    duplicates and heads first): the driver connection is then inside SQLAlchemy's transaction, not beside it.
    """
    driver = (await connection.get_raw_connection()).driver_connection
    if connection.dialect.name == "postgresql":
        await driver.copy_records_to_table("audit_entry", records=rows, columns=ENTRY_FIELDS)
        return
    # SQLite has no timestamp type: occurred-at is spelled by the column's own type, so ORM reads agree.
    spell = _OCCURRED_AT_TYPE.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    await driver.executemany(
        _SQLITE_INSERT, [(*row[:_OCCURRED_AT], spell(row[_OCCURRED_AT]), *row[_OCCURRED_AT + 1 :]) for row in rows]
    )
