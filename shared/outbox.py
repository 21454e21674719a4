"""The transactional outbox: events are rows written with the effect, and a relay publishes them.

A crash between commit and publish loses nothing; at worst an event is published twice, which the
idempotent consumers absorb. This module holds the table and the staging of rows in the caller's
transaction; `shared.outbox_relay` publishes them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Engine, LargeBinary, event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bulk_insert import insert_many
from shared.clock import now_utc
from shared.db import table_of
from shared.envelope import Envelope


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    topic: str
    key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    headers: list[list[str]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now_utc)


OUTBOX = table_of(OutboxMessage)
_STAGED = "outbox_staged"
_COMMITTING = "outbox_committing"  # session.info: the rows inserted, with their ids, until the commit is done
# A written row as the relay publishes it: id, topic, key, value, headers, staged at.
Row = tuple[int, str, bytes, bytes, list[list[str]], datetime]
Receiver = Callable[[list[Row]], None]
# SQLite: who takes the rows each database's commits wrote in this process (its relay), by engine.
_RECEIVERS: dict[Engine, Receiver] = {}


@dataclass
class _Staged:
    """What a transaction staged: its rows in order, and the relays to wake when it commits."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)


def notify_channel(service: str) -> str:
    return f"bancheng_outbox_{service}"


async def stage(
    session: AsyncSession, envelope: Envelope, *, topic: str, service: str,
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    """Record `envelope` for publication on `topic`, in the caller's transaction.

    The row is kept in the session until its transaction commits, then the transaction's rows go in
    as one executemany (`shared.bulk_insert`), in the order they were staged: an ORM object per event
    cost more CPU than the event's whole handling. (Async only to keep the callers' signature.)
    """
    staged = session.sync_session.info.setdefault(_STAGED, _Staged())
    staged.rows.append(row(envelope, topic=topic, extra_headers=extra_headers))
    staged.channels.add(notify_channel(service))


def has_staged(session: AsyncSession) -> bool:
    """Whether the session's transaction staged events: their relay needs waking once it commits."""
    return _STAGED in session.sync_session.info


def row(
    envelope: Envelope, *, topic: str, extra_headers: Mapping[str, str] | None = None,
    staged_at: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row for `envelope` as plain values, for `stage` and for bulk writers (intake's
    group commit); `extra_headers` go after the envelope's own (a dead letter's reason)."""
    key, value, headers = envelope.to_kafka_text()  # text headers: no encode here and decode back
    if extra_headers:
        headers += extra_headers.items()
    return {"topic": topic, "key": key, "value": value, "headers": headers,
            "created_at": staged_at or now_utc()}


@event.listens_for(Session, "before_commit")
def _insert_staged(session: Session) -> None:
    staged: _Staged | None = session.info.pop(_STAGED, None)
    if staged is None:
        return
    connection = session.connection()
    last_id = insert_many(connection, OUTBOX, staged.rows)
    if connection.dialect.name == "postgresql":
        # NOTIFY is delivered on commit, so a relay in another process wakes exactly then.
        for channel in sorted(staged.channels):
            connection.execute(text(f"NOTIFY {channel}"))
    elif session.bind in _RECEIVERS and last_id is not None:  # SQLite answers the last id of the rows written
        session.info[_COMMITTING] = written_rows(staged.rows, last_id=last_id)


def written_rows(rows: list[dict[str, Any]], *, last_id: int) -> list[Row]:
    """SQLite: `rows` as written by one executemany whose last row got `last_id` (see `insert_many`)."""
    first_id = last_id - len(rows) + 1
    return [(first_id + offset, row["topic"], row["key"], row["value"], row["headers"], row["created_at"])
            for offset, row in enumerate(rows)]


def hand_over_commits(engine: Engine, receiver: Receiver | None) -> None:
    """SQLite: after each commit through `engine` in this process that wrote outbox rows, `receiver` gets
    them, their ids set (the relay publishes them without reading them back); None stops it."""
    if receiver is None:
        _RECEIVERS.pop(engine, None)
    else:
        _RECEIVERS[engine] = receiver


@event.listens_for(Session, "after_commit")
def _hand_over_committed(session: Session) -> None:
    rows = session.info.pop(_COMMITTING, None)
    receiver = _RECEIVERS.get(session.bind) if rows and isinstance(session.bind, Engine) else None
    if receiver is not None:
        receiver(rows)


@event.listens_for(Session, "after_soft_rollback")
def _forget_staged(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: what it staged is gone
        session.info.pop(_STAGED, None)
        session.info.pop(_COMMITTING, None)


async def count_pending(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
