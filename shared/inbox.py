"""Idempotent consumption: the ids of applied events, stored in the effect's own transaction."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"

    consumer: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    processed_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)


async def already_applied(session: AsyncSession, *, consumer: str, event_ids: list[str]) -> set[str]:
    if not event_ids:
        return set()
    rows = await session.exec(
        select(ProcessedEvent.event_id).where(
            ProcessedEvent.consumer == consumer, col(ProcessedEvent.event_id).in_(event_ids)
        )
    )
    return set(rows.all())


async def mark_applied(session: AsyncSession, *, consumer: str, event_ids: list[str]) -> None:
    """Record a batch's ids in one executemany (an ORM object per id cost more than the insert)."""
    if not event_ids:
        return
    now = datetime.now(UTC)
    connection = await session.connection()
    await connection.execute(
        insert(ProcessedEvent.__table__),
        [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in event_ids],
    )


async def prune(session: AsyncSession, *, older_than: timedelta) -> None:
    """Forget ids past the redelivery horizon, so the table does not grow forever."""
    cutoff = datetime.now(UTC) - older_than
    await session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.processed_at) < cutoff))
