"""Idempotent consumption: the ids of applied events, stored in the effect's own transaction."""

from datetime import datetime, timedelta

import orjson
from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bulk_insert import on_sqlite_driver
from shared.clock import now_utc
from shared.db import table_of


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"

    consumer: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    processed_at: datetime = Field(default_factory=now_utc, index=True)


# INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite >= 3.35, PostgreSQL): an id recorded before is
# skipped, and only the ids the statement recorded come back.
_TABLE = table_of(ProcessedEvent)
_INSERT_NEW = postgresql.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.event_id)
# SQLite: the ids as one JSON array parameter, so a batch's ids are one statement of three values, run by
# the driver in one hop (`shared.bulk_insert`); WHERE true lets the parser tell ON CONFLICT from a join's ON.
_SQLITE_INSERT_NEW = (
    "INSERT INTO processed_event (consumer, event_id, processed_at) SELECT ?, value, ? FROM json_each(?) WHERE true"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)


async def record_new(session: AsyncSession, *, consumer: str, event_ids: list[str]) -> set[str]:
    """Record the ids not recorded before and return them: one statement per batch, where a lookup and
    then an insert cost two round trips. On PostgreSQL a concurrent applier recording the same id (a
    rebalance) waits here for the other transaction and, once that commits, does not get the id back."""
    if not event_ids:
        return set()
    connection = await session.connection()
    ids, now = list(dict.fromkeys(event_ids)), now_utc()
    if connection.dialect.name == "sqlite":
        return await connection.run_sync(_record_new_on_sqlite, consumer, ids, now)
    rows = await connection.execute(
        _INSERT_NEW, [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in ids],
    )
    return set(rows.scalars())


def _record_new_on_sqlite(connection: Connection, consumer: str, ids: list[str], now: datetime) -> set[str]:
    dialect = connection.dialect
    process = _TABLE.c.processed_at.type.dialect_impl(dialect).bind_processor(dialect)
    processed_at = process(now) if process is not None else now  # as SQLAlchemy stores it
    values = (consumer, processed_at, orjson.dumps(ids).decode())
    return on_sqlite_driver(
        connection, lambda driver: {row[0] for row in driver.execute(_SQLITE_INSERT_NEW, values)},
        statement=_SQLITE_INSERT_NEW,
    )


async def prune(session: AsyncSession, *, older_than: timedelta) -> None:
    """Forget ids past the redelivery horizon, so the table does not grow forever."""
    cutoff = now_utc() - older_than
    await session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.processed_at) < cutoff))
