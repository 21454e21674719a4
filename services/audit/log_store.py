"""Appending to and reading the hash-chained log: one chain per Kafka (topic, partition).

Kafka gives one consumer of the group per partition, so each chain has one writer; the head row is also
locked (`SELECT … FOR UPDATE` on PostgreSQL, the database lock on SQLite) and (topic, partition, sequence)
is unique, so two writers during a rebalance cannot fork a chain: the loser's transaction fails and its
batch is consumed again. Heads are cached for the transaction in `session.info`, so a batch of 500
events reads each head once and writes it once at commit.
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert
from sqlmodel import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from services.audit.domain.checkpoints import SignedCheckpoint, checkpoint_due, sign_checkpoint
from services.audit.domain.entries import ChainHead, append_entry
from services.audit.store import ChainHeadRow, CheckpointRow, LogEntry

_HEADS = "audit_chain_heads"
_ENTRY_COLUMNS = [column for column in LogEntry.__table__.columns if column.name != "id"]  # type: ignore[attr-defined]
_ENTRY_FIELDS = [column.name for column in _ENTRY_COLUMNS]


@dataclass(frozen=True, slots=True, kw_only=True)
class IncomingEvent:
    """An event as read from the bus: where it was read, and what to hash."""

    topic: str
    partition: int
    event_id: str
    event_type: str
    occurred_at: datetime
    case_id: str | None
    payload: Mapping[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Signer:
    """Signs a checkpoint after every `every` entries of a chain."""

    private_key: Ed25519PrivateKey
    every: int


async def _head(session: AsyncSession, topic: str, partition: int) -> ChainHeadRow:
    heads: dict[tuple[str, int], ChainHeadRow] = session.info.setdefault(_HEADS, {})
    key = (topic, partition)
    if key not in heads:
        statement = select(ChainHeadRow).where(ChainHeadRow.topic == topic, ChainHeadRow.partition == partition)
        row = (await session.exec(statement.with_for_update())).one_or_none()
        if row is None:
            genesis = ChainHead.genesis(topic=topic, partition=partition)
            row = ChainHeadRow(topic=topic, partition=partition, sequence=0, entry_hash=genesis.entry_hash)
            session.add(row)
        heads[key] = row
    return heads[key]


async def append_events(
    session: AsyncSession, events: Sequence[IncomingEvent], *, signer: Signer, now: datetime
) -> set[str]:
    """Chain each event not yet in the log onto its partition's head; returns the ids appended.

    An event id already stored (a redelivery beyond the consumer's applied-id horizon, or the same event
    read twice in one batch) is skipped: every event is in the log once. Entries go in as one Core
    executemany: ORM objects would cost more than the hashing.
    """
    ids = [event.event_id for event in events]
    with session.no_autoflush:  # entries go in through Core; flushing the head rows per call would cost an UPDATE each
        stored = set(await session.exec(select(LogEntry.event_id).where(LogEntry.event_id.in_(ids))))
    rows: list[dict[str, Any]] = []
    appended: set[str] = set()
    heads: dict[tuple[str, int], ChainHead] = {}  # plain values in the loop; the rows are set once after
    for event in events:
        if event.event_id in stored:
            continue
        stored.add(event.event_id)
        key = (event.topic, event.partition)
        if key not in heads:
            row = await _head(session, *key)
            heads[key] = ChainHead(topic=row.topic, partition=row.partition, sequence=row.sequence, entry_hash=row.entry_hash)
        entry = append_entry(
            head=heads[key],
            event_id=event.event_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            case_id=event.case_id,
            payload=event.payload,
            headers=event.headers,
        )
        rows.append({name: getattr(entry, name) for name in _ENTRY_FIELDS})
        appended.add(event.event_id)
        heads[key] = entry.head
        if checkpoint_due(sequence=entry.sequence, every=signer.every):
            session.add(checkpoint_row(sign_checkpoint(head=entry.head, private_key=signer.private_key, signed_at=now)))
    for key, head in heads.items():
        row = await _head(session, *key)
        row.sequence, row.entry_hash = head.sequence, head.entry_hash
    if rows:
        await (await session.connection()).execute(insert(LogEntry.__table__), rows)  # type: ignore[attr-defined]
    return appended


def checkpoint_row(checkpoint: SignedCheckpoint) -> CheckpointRow:
    return CheckpointRow(
        topic=checkpoint.topic, partition=checkpoint.partition, sequence=checkpoint.sequence,
        head_hash=checkpoint.head_hash, signed_at=checkpoint.signed_at, key_id=checkpoint.key_id,
        signature=checkpoint.signature,
    )


def signed_checkpoint(row: CheckpointRow) -> SignedCheckpoint:
    return SignedCheckpoint(
        topic=row.topic, partition=row.partition, sequence=row.sequence, head_hash=row.head_hash,
        signed_at=row.signed_at, key_id=row.key_id, signature=row.signature,
    )


async def checkpoints(session: AsyncSession) -> list[SignedCheckpoint]:
    rows = await session.exec(select(CheckpointRow).order_by(CheckpointRow.id))
    return [signed_checkpoint(row) for row in rows]


async def sign_heads(session: AsyncSession, *, private_key: Ed25519PrivateKey, now: datetime) -> list[SignedCheckpoint]:
    """A checkpoint at every chain's current head (before an export, so its last segment is signed)."""
    heads = await session.exec(select(ChainHeadRow).where(ChainHeadRow.sequence > 0))
    signed = [
        sign_checkpoint(
            head=ChainHead(topic=h.topic, partition=h.partition, sequence=h.sequence, entry_hash=h.entry_hash),
            private_key=private_key,
            signed_at=now,
        )
        for h in heads
    ]
    session.add_all(checkpoint_row(checkpoint) for checkpoint in signed)
    return signed




async def stream_entries(connection: AsyncConnection, *, chunk: int = 20_000) -> AsyncIterator[Any]:
    """Every entry in chain order, as rows with the `StoredEntry` attributes, streamed (constant memory)."""
    statement = select(*_ENTRY_COLUMNS).order_by(LogEntry.topic, LogEntry.partition, LogEntry.sequence)
    result = await connection.stream(statement.execution_options(yield_per=chunk))
    async for partition in result.partitions(chunk):
        for row in partition:
            yield row


async def timeline(session: AsyncSession, *, case_id: str) -> list[dict[str, Any]]:
    """Every event of one case, in the order they occurred, as the timeline shows it."""
    statement = select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.occurred_at, LogEntry.id)
    return [
        {
            "event_id": entry.event_id,
            "type": entry.event_type,
            "source": entry.headers.get("ce_source", ""),
            "actor": entry.headers.get("ce_actor", ""),
            "occurred_at": entry.occurred_at,
            "data": entry.payload,
        }
        for entry in await session.exec(statement)
    ]


async def case_runs(session: AsyncSession, *, case_id: str) -> list[tuple[list[LogEntry], CheckpointRow | None]]:
    """For each chain holding the case's events: its entries from the case's first one up to the first
    checkpoint at or after the case's last one, and that checkpoint (None when there is none yet)."""
    spans = await session.exec(
        select(LogEntry.topic, LogEntry.partition, LogEntry.sequence)
        .where(LogEntry.case_id == case_id)
        .order_by(LogEntry.topic, LogEntry.partition, LogEntry.sequence)
    )
    bounds: dict[tuple[str, int], list[int]] = {}
    for topic, partition, sequence in spans:
        bounds.setdefault((topic, partition), []).append(sequence)
    runs = []
    for (topic, partition), sequences in bounds.items():
        checkpoint = (
            await session.exec(
                select(CheckpointRow)
                .where(CheckpointRow.topic == topic, CheckpointRow.partition == partition, CheckpointRow.sequence >= sequences[-1])
                .order_by(CheckpointRow.sequence)
                .limit(1)
            )
        ).first()
        last = checkpoint.sequence if checkpoint else sequences[-1]
        entries = (
            await session.exec(
                select(LogEntry)
                .where(LogEntry.topic == topic, LogEntry.partition == partition, LogEntry.sequence.between(sequences[0], last))
                .order_by(LogEntry.sequence)
            )
        ).all()
        runs.append((list(entries), checkpoint))
    return runs
