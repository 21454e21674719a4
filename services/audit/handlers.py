"""Audit's subscriber: every event of every stream is chained into the log once, then moves its case's facts.

District pack versions are among them (keyed `district:<code>`): the trail of who changed which district's pack
when (`GET /districts/{code}/pack-changes`)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consuming import Consumer, Unit
from shared.districts import DistrictPack
from shared.districts.live import follow_packs
from shared.envelope import Envelope
from shared.topics import EVENT_STREAMS
from services.audit.store import audit_log, read_model
from services.audit.store.audit_log import IncomingEvent, Signer

if TYPE_CHECKING:
    from services.audit.app import AuditRuntime


async def append_and_apply(session: AsyncSession, fresh: Sequence[tuple[Envelope, Any]], *, signer: Signer) -> None:
    """Chain each (envelope, consumed record) into the log; only the events appended now move their cases
    (and the statistics rollup), so a redelivery already in the log changes nothing."""
    incoming = [
        IncomingEvent(
            topic=record.topic,
            partition=record.partition,
            event_id=str(envelope.id),
            event_type=envelope.type,
            occurred_at=envelope.occurred_at,
            case_id=envelope.case_id,
            payload=envelope.data,
            headers={name: value.decode("utf-8", "replace") for name, value in record.headers or ()},
        )
        for envelope, record in fresh
    ]
    appended = await audit_log.append_events(session, incoming, signer=signer, now=datetime.now(UTC))
    await read_model.apply_to_cases(session, [envelope for envelope, _record in fresh if str(envelope.id) in appended])


async def follow_district_packs(runtime: "AuditRuntime") -> None:
    """Each published district pack version's assessment points, swapped into the policy (shared/districts/live.py).
    Its trail entry comes through the log consumer, as every event does."""

    def apply(pack: DistrictPack) -> None:
        runtime.policy = runtime.policy.with_pack(pack)

    await follow_packs(runtime.kafka, service=runtime.name, apply=apply)


def subscribers(runtime: "AuditRuntime") -> list[Consumer]:
    """Audit's one consumer group, signing with the runtime's signer."""
    return [log_consumer(runtime.signer)]


def log_consumer(signer: Signer) -> Consumer:
    """The audit consumer group; `signer` signs a checkpoint every N entries of a chain, inline."""
    # The log keeps each event id once (a unique index, checked by append_events): no applied-id table.
    consumer = Consumer("audit", topics=EVENT_STREAMS, own_dedupe=True)

    @consumer.on_every_batch
    async def on_events_append_to_log_and_update_cases(fresh: list, unit: Unit) -> None:
        await append_and_apply(unit.session, fresh, signer=signer)

    return consumer
