"""Audit's subscriber: every event of every stream is chained into the log once, then moves its case's facts."""

from datetime import UTC, datetime

from shared.consuming import Consumer, Unit
from shared.topics import EVENT_STREAMS
from services.audit import log_store, read_model
from services.audit.log_store import IncomingEvent, Signer


def build_consumer(signer: Signer) -> Consumer:
    """The audit consumer group; `signer` signs a checkpoint every N entries of a chain, inline."""
    consumer = Consumer("audit", topics=EVENT_STREAMS)

    @consumer.on_every_batch
    async def on_events_append_to_log_and_update_cases(fresh: list, unit: Unit) -> None:
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
        appended = await log_store.append_events(unit.session, incoming, signer=signer, now=datetime.now(UTC))
        for envelope, _record in fresh:
            if str(envelope.id) in appended:
                await read_model.apply_to_case(unit.session, envelope)

    return consumer
