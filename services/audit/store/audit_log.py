"""Appending to and reading the hash-chained log: one chain per Kafka (topic, partition).

Kafka gives one consumer of the group per partition, so each chain has one writer; the head row is also
locked (`SELECT … FOR UPDATE` on PostgreSQL, the database lock on SQLite) and (topic, partition, sequence)
is unique, so two writers during a rebalance cannot fork a chain: the loser's transaction fails and its
batch is consumed again. A batch reads its heads in one statement and writes them once (`log_io`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.audit.domain.checkpoints import SignedCheckpoint, checkpoint_due, sign_checkpoint
from services.audit.domain.entries import ENTRY_FIELDS, ChainHead, append_entry, canonical_json
from services.audit.store import log_io
from services.audit.store.tables import ChainHeadRow, CheckpointRow, LogEntry

# A stored row is the entry with payload and headers (adjacent fields) as the JSON text hashed (`log_io`).
_PAYLOAD, _AFTER_HEADERS = ENTRY_FIELDS.index("payload"), ENTRY_FIELDS.index("headers") + 1


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


async def append_events(
    session: AsyncSession, events: Sequence[IncomingEvent], *, signer: Signer, now: datetime
) -> set[str]:
    """Chain each event not yet in the log onto its partition's head; returns the ids appended.

    An event id already stored (a redelivery beyond the consumer's applied-id horizon, or the same event
    read twice in one batch) is skipped: every event is in the log once. Payload and headers are encoded
    once, in canonical form: the same text is hashed and stored (so verify can hash it as stored). Rows
    go in through Core and the driver (`log_io`): ORM objects would cost more than the hashing.
    """
    connection = await session.connection()
    stored = await log_io.stored_event_ids(connection, [event.event_id for event in events])
    fresh = []
    for event in events:
        if event.event_id not in stored:
            stored.add(event.event_id)
            fresh.append(event)
    if not fresh:
        return set()
    keys = {(event.topic, event.partition) for event in fresh}
    heads = {key: ChainHead.genesis(topic=key[0], partition=key[1]) for key in keys}  # a chain not started yet
    heads.update(((head.topic, head.partition), head) for head in await log_io.stored_heads(connection, keys))
    rows: list[tuple[Any, ...]] = []
    checkpoints: list[dict[str, Any]] = []
    for event in fresh:
        key = (event.topic, event.partition)
        payload, headers = canonical_json(event.payload), canonical_json(event.headers)
        entry = append_entry(
            head=heads[key],
            event_id=event.event_id,
            event_type=event.event_type,
            occurred_at=event.occurred_at,
            case_id=event.case_id,
            payload=orjson.Fragment(payload),
            headers=orjson.Fragment(headers),
        )
        rows.append(entry[:_PAYLOAD] + (payload.decode(), headers.decode()) + entry[_AFTER_HEADERS:])
        heads[key] = entry.head
        if checkpoint_due(sequence=entry.sequence, every=signer.every):
            signed = sign_checkpoint(head=entry.head, private_key=signer.private_key, signed_at=now)
            checkpoints.append(checkpoint_row(signed).model_dump(exclude={"id"}))
    await log_io.save_heads(connection, list(heads.values()))
    await log_io.insert_entries(connection, rows)
    if checkpoints:
        await connection.execute(insert(CheckpointRow.__table__), checkpoints)  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
    return {event.event_id for event in fresh}


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


def _detail(text: str | None) -> dict[str, Any] | None:
    """The actor's name, roles and org unit as the token named them (shared/auth/principal.py)."""
    if not text:
        return None
    try:
        detail = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return detail if isinstance(detail, dict) else None


async def timeline(session: AsyncSession, *, case_id: str) -> list[dict[str, Any]]:
    """Every event of one case, in the order they occurred, as the timeline shows it."""
    statement = select(LogEntry).where(LogEntry.case_id == case_id).order_by(LogEntry.occurred_at, LogEntry.id)
    return [
        {
            "event_id": entry.event_id,
            "type": entry.event_type,
            "source": entry.headers.get("ce_source", ""),
            "actor": entry.headers.get("ce_actor", ""),
            "actor_detail": _detail(entry.headers.get("ce_actordetail")),
            "district": entry.headers.get("ce_district", ""),
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
                .where(CheckpointRow.topic == topic, CheckpointRow.partition == partition,
                       CheckpointRow.sequence >= sequences[-1])
                .order_by(CheckpointRow.sequence)
                .limit(1)
            )
        ).first()
        last = checkpoint.sequence if checkpoint else sequences[-1]
        entries = (
            await session.exec(
                select(LogEntry)
                .where(LogEntry.topic == topic, LogEntry.partition == partition,
                       LogEntry.sequence.between(sequences[0], last))
                .order_by(LogEntry.sequence)
            )
        ).all()
        runs.append((list(entries), checkpoint))
    return runs
