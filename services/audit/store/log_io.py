"""The log's append path at the driver level, below SQLAlchemy (verification reads in `log_scan`).

Through the ORM or Core each row costs more than hashing it: per-row parameter processing, JSON
re-encoding, and on PostgreSQL one INSERT per row. Here a batch goes in as one COPY (PostgreSQL) or one
`executemany` (SQLite), with payload and headers already encoded.

Rows are tuples in `ENTRY_FIELDS` order (`domain.entries`); `payload` and `headers` are JSON text.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from services.audit.domain.entries import ENTRY_FIELDS, ChainHead
from services.audit.store.tables import LogEntry

_OCCURRED_AT = ENTRY_FIELDS.index("occurred_at")
_OCCURRED_AT_TYPE = LogEntry.__table__.c.occurred_at.type  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
_COLUMNS = ", ".join(f'"{name}"' for name in ENTRY_FIELDS)
_SQLITE_INSERT = f"INSERT INTO audit_entry ({_COLUMNS}) VALUES ({', '.join('?' * len(ENTRY_FIELDS))})"


async def stored_event_ids(connection: AsyncConnection, event_ids: Sequence[str]) -> set[str]:
    """Which of these event ids are already in the log: one parameter, whatever the batch size."""
    if connection.dialect.name == "postgresql":
        query, parameter = "SELECT event_id FROM audit_entry WHERE event_id = ANY($1::text[])", list(event_ids)
    else:
        query = "SELECT event_id FROM audit_entry WHERE event_id IN (SELECT value FROM json_each(?))"
        parameter = orjson.dumps(event_ids).decode()
    return set((await connection.exec_driver_sql(query, (parameter,))).scalars())


# The batch's chain heads: read (locked on PostgreSQL) and written back in one statement each, their
# keys as arrays. Through SQLAlchemy each cost a statement built and compiled per batch.
_PG_LOCK_HEADS = (
    "SELECT topic, partition, sequence, entry_hash FROM audit_chain_head"
    " WHERE (topic, partition) IN (SELECT * FROM unnest($1::text[], $2::int[])) FOR UPDATE"
)
_SQLITE_HEADS = (
    "SELECT topic, partition, sequence, entry_hash FROM audit_chain_head WHERE (topic, partition) IN"
    " (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))"
)
_SAVE_HEADS = (
    "INSERT INTO audit_chain_head (topic, partition, sequence, entry_hash) {} ON CONFLICT (topic, partition)"
    " DO UPDATE SET sequence = excluded.sequence, entry_hash = excluded.entry_hash"
)
_PG_SAVE_HEADS = _SAVE_HEADS.format("SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[])")
_SQLITE_SAVE_HEADS = _SAVE_HEADS.format("VALUES (?, ?, ?, ?)")


async def stored_heads(connection: AsyncConnection, keys: Iterable[tuple[str, int]]) -> list[ChainHead]:
    """The stored heads of these chains, locked for the transaction on PostgreSQL (on SQLite the
    database lock, taken by the transaction's first write, keeps other writers out)."""
    topics, partitions = zip(*keys, strict=True) if keys else ((), ())
    if connection.dialect.name == "postgresql":
        query, parameters = _PG_LOCK_HEADS, (list(topics), list(partitions))
    else:
        query, parameters = _SQLITE_HEADS, (orjson.dumps(list(zip(topics, partitions, strict=True))).decode(),)
    return [ChainHead(*row) for row in await connection.exec_driver_sql(query, parameters)]


async def save_heads(connection: AsyncConnection, heads: Sequence[ChainHead]) -> None:
    """Upsert: a new chain's head row is inserted, a stored one moved on."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql(_PG_SAVE_HEADS, tuple(map(list, zip(*heads, strict=True))))
    else:
        await connection.exec_driver_sql(_SQLITE_SAVE_HEADS, [tuple(head) for head in heads])


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
