"""Audit's subscriber: every event of every stream is stored once."""

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.topics import EVENT_STREAMS
from services.audit import store

consumer = Consumer("audit", topics=EVENT_STREAMS)


@consumer.on_every_event
async def on_any_event_append_to_log(_event: None, envelope: Envelope, unit: Unit) -> None:
    unit.session.add(
        store.AuditEntry(
            event_id=str(envelope.id),
            type=envelope.type,
            schema_version=envelope.schema_version,
            source=envelope.source,
            case_id=envelope.case_id,
            district=envelope.district,
            hall=envelope.hall,
            actor=envelope.actor,
            occurred_at=envelope.occurred_at,
            causation_id=str(envelope.causation_id) if envelope.causation_id else None,
            correlation_id=str(envelope.correlation_id),
            data=envelope.data,
        )
    )
