"""The log's two hot paths at the driver level, below SQLAlchemy: writing a batch of entries and reading
the whole log for verification.

Through the ORM or Core each row costs more than hashing it: per-row parameter processing, JSON
re-encoding, and on PostgreSQL one INSERT per row. Here a batch goes in as one COPY (PostgreSQL) or one
`executemany` (SQLite), with payload and headers already encoded, and verification reads plain tuples in
large chunks, JSON columns as the text stored, never decoded.

Rows are tuples in `ENTRY_FIELDS` order; `payload` and `headers` are JSON, text when written and UTF-8
bytes when read.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from services.audit.domain.entries import StoredRow
from services.audit.store import LogEntry

ChainKey = tuple[str, int]

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


async def read_entries(
    connection: AsyncConnection, *, from_chain: ChainKey | None = None, to_chain: ChainKey | None = None, chunk: int = 20_000
) -> AsyncIterator[list[StoredRow]]:
    """The log in chain order, in chunks of `chunk` rows; only chains with `from_chain <= (topic, partition)
    < to_chain` when given (a range of the chain index, so every chain falls in exactly one range).

    A fresh connection is expected: on PostgreSQL the read runs in its own driver transaction.
    """
    where = []
    if from_chain is not None:
        where.append(f"(topic, partition) >= ({_quote(from_chain[0])}, {int(from_chain[1])})")
    if to_chain is not None:
        where.append(f"(topic, partition) < ({_quote(to_chain[0])}, {int(to_chain[1])})")
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    driver = (await connection.get_raw_connection()).driver_connection
    make = StoredRow._make
    if connection.dialect.name == "postgresql":
        # As UTF-8 bytes: no codec decodes them (SQLAlchemy gave the pooled connection one for JSON) and
        # they go into the hash as they are.
        columns = _COLUMNS.replace('"payload"', "convert_to(payload::text, 'UTF8')").replace('"headers"', "convert_to(headers::text, 'UTF8')")
        query = f"SELECT {columns} FROM audit_entry {condition} ORDER BY topic, partition, sequence"
        async with driver.transaction(readonly=True):
            cursor = await driver.cursor(query)
            while rows := await cursor.fetch(chunk):
                yield [make(row) for row in rows]
        return
    # SQLite does not check JSON on the way in: text that is not JSON is read as '' so it cannot hash right.
    columns = _COLUMNS.replace('"payload"', "CAST(iif(json_valid(payload), payload, '') AS BLOB)").replace(
        '"headers"', "CAST(iif(json_valid(headers), headers, '') AS BLOB)"
    )
    to_datetime = _OCCURRED_AT_TYPE.dialect_impl(connection.dialect).result_processor(connection.dialect, None)
    cursor = await driver.execute(f"SELECT {columns} FROM audit_entry {condition} ORDER BY topic, partition, sequence")
    while rows := await cursor.fetchmany(chunk):
        yield [make((*row[:_OCCURRED_AT], to_datetime(row[_OCCURRED_AT]), *row[_OCCURRED_AT + 1 :])) for row in rows]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
