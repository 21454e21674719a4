"""Idempotent consumption: the ids of applied events, stored in the effect's own transaction."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"

    consumer: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    processed_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)


# INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite >= 3.35, PostgreSQL): an id recorded before is
# skipped, and only the ids the statement recorded come back.
_TABLE = ProcessedEvent.__table__
_INSERT_NEW = {
    "sqlite": sqlite.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.event_id),
    "postgresql": postgresql.insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.event_id),
}


async def record_new(session: AsyncSession, *, consumer: str, event_ids: list[str]) -> set[str]:
    """Record the ids not recorded before and return them: one statement per batch, where a lookup and
    then an insert cost two round trips. On PostgreSQL a concurrent applier recording the same id (a
    rebalance) waits here for the other transaction and, once that commits, does not get the id back."""
    if not event_ids:
        return set()
    connection = await session.connection()
    now = datetime.now(UTC)
    rows = await connection.execute(
        _INSERT_NEW[connection.dialect.name],
        [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in dict.fromkeys(event_ids)],
    )
    return set(rows.scalars())


async def prune(session: AsyncSession, *, older_than: timedelta) -> None:
    """Forget ids past the redelivery horizon, so the table does not grow forever."""
    cutoff = datetime.now(UTC) - older_than
    await session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.processed_at) < cutoff))
