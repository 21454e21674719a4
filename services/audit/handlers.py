"""Audit's subscriber: every event of every stream is chained into the log once, then moves its case's facts."""

from datetime import UTC, datetime

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.topics import EVENT_STREAMS
from services.audit import log_store, read_model
from services.audit.log_store import IncomingEvent, Signer


def build_consumer(signer: Signer) -> Consumer:
    """The audit consumer group; `signer` signs a checkpoint every N entries of a chain, inline."""
    consumer = Consumer("audit", topics=EVENT_STREAMS)

    @consumer.on_every_event
    async def on_any_event_append_to_log_and_update_case(_event: None, envelope: Envelope, unit: Unit) -> None:
        record = unit.record
        if record is None:
            raise ValueError("the audit log chains events by the partition they were read from; no record given")
        incoming = IncomingEvent(
            topic=record.topic,
            partition=record.partition,
            event_id=str(envelope.id),
            event_type=envelope.type,
            occurred_at=envelope.occurred_at,
            case_id=envelope.case_id,
            payload=envelope.data,
            headers={name: value.decode("utf-8", "replace") for name, value in record.headers or ()},
        )
        if await log_store.append_events(unit.session, [incoming], signer=signer, now=datetime.now(UTC)):
            await read_model.apply_to_case(unit.session, envelope)

    return consumer
