"""Trace context crosses Kafka: the relay sends a pass in a PRODUCER span linked to the context each record
carries on, a consumer applies each event in a CONSUMER span child of that context, and what the handler
stages continues the trace — over a real database and the real broker."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import select

from shared import bus, db, inbox, outbox, tracing
from shared.consuming import BatchApplier, Consumer, Fresh, Unit
from shared.envelope import Envelope
from shared.events.case import CaseAccepted, CaseResumed
from shared.outbox_relay import OutboxRelay
from shared.settings import KafkaSettings

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


def resumed(offset: int, reason: str, traceparent: str | None = PARENT) -> ConsumerRecord:
    envelope = Envelope.wrap(CaseResumed(case_number=f"FT-{offset}", reason=reason), source="test",
                             case_id=f"case-{offset}", district="demo", actor="test", occurred_at=datetime.now(UTC),
                             trace_context=(traceparent, None) if traceparent else None)
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord("test.input", 3, 40 + offset, 0, 0, key, value, None, len(key), len(value), headers)


async def fresh_engine(tmp_path):
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'traced.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: inbox.ProcessedEvent.__table__.create(sync))
        await connection.run_sync(lambda sync: outbox.OutboxMessage.__table__.create(sync))
    return engine


async def test_each_applied_event_is_a_consumer_span_and_what_it_stages_continues_the_trace(
    spans: InMemorySpanExporter, tmp_path,
) -> None:
    engine = await fresh_engine(tmp_path)
    consumer = Consumer("traced", topics=["test.input"])

    @consumer.on(CaseResumed)
    async def on_resumed_accept(event: CaseResumed, _envelope: Envelope, unit: Unit) -> None:
        await unit.emit(CaseAccepted(case_number=event.case_number), topic="test.output")

    applier = BatchApplier(consumer=consumer, service="test", sessions=db.session_factory(engine),
                           producer=lambda: None, on_commit=lambda: None)
    try:
        await applier([resumed(0, "first"), resumed(1, "untraced", traceparent=None)])
        async with engine.connect() as connection:
            rows = (await connection.execute(select(outbox.OUTBOX.c.key, outbox.OUTBOX.c.headers))).all()
    finally:
        await engine.dispose()

    processed = {span.attributes["messaging.kafka.message.key"]: span for span in spans.get_finished_spans()}
    traced, untraced = processed["case-0"], processed["case-1"]
    assert traced.kind is SpanKind.CONSUMER and traced.name == "process test.input"
    assert (traced.context.trace_id, traced.parent.span_id) == (int(TRACE_ID, 16), int("b7ad6b7169203331", 16))
    assert traced.attributes["messaging.system"] == "kafka"
    assert traced.attributes["messaging.destination.name"] == "test.input"
    assert traced.attributes["messaging.operation.type"] == "process"
    assert traced.attributes["messaging.consumer.group.name"] == "traced"
    assert traced.attributes["bancheng.event.type"] == "case.resumed"
    assert untraced.parent is None  # a record without context starts a trace of its own
    staged = {key.decode(): dict(map(tuple, headers)) for key, headers in rows}
    assert staged["case-0"]["traceparent"] == tracing.headers_of(traced.context)[0]
    assert staged["case-1"]["traceparent"] == tracing.headers_of(untraced.context)[0]


async def test_a_failing_event_leaves_an_error_span_and_a_batch_handler_gets_a_span_per_event(
    spans: InMemorySpanExporter, tmp_path,
) -> None:
    engine = await fresh_engine(tmp_path)
    failing, batched = Consumer("failing", topics=["test.input"]), Consumer("batched", topics=["test.input"])

    @failing.on(CaseResumed)
    async def on_resumed_fail(event: CaseResumed, _envelope: Envelope, _unit: Unit) -> None:
        raise ValueError(f"cannot apply {event.case_number}")

    @batched.on_every_batch
    async def on_batch(fresh: Fresh, _unit: Unit) -> None:
        assert tracing.current() is None  # no one event's span is current in a whole batch's handler

    sessions = db.session_factory(engine)
    try:
        applier = BatchApplier(consumer=failing, service="test", sessions=sessions, producer=lambda: None,
                               on_commit=lambda: None, retry_attempts=1)
        with pytest.raises(ValueError, match="FT-0"):
            await applier._apply(
                [(resumed(0, "x"), Envelope.from_kafka(resumed(0, "x").value, resumed(0, "x").headers))]
            )
        (failed,) = spans.get_finished_spans()
        assert failed.status.status_code is StatusCode.ERROR and failed.events[0].name == "exception"
        spans.clear()
        records = [resumed(1, "a"), resumed(2, "b")]
        applier = BatchApplier(consumer=batched, service="test", sessions=sessions, producer=lambda: None,
                               on_commit=lambda: None)
        await applier(records)
        finished = spans.get_finished_spans()
        assert sorted(span.attributes["messaging.kafka.message.key"] for span in finished) == ["case-1", "case-2"]
        assert all(span.attributes["messaging.consumer.group.name"] == "batched" for span in finished)
    finally:
        await engine.dispose()


async def test_the_relay_sends_a_pass_in_a_producer_span_linked_to_the_context_each_record_carries_on(
    spans: InMemorySpanExporter, broker, tmp_path,
) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'relay.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create)
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    topic = f"test.traced.{uuid.uuid4().hex[:8]}"
    producer = bus.create_producer(kafka, service="traced")
    await producer.start()
    relay = OutboxRelay(service="traced", engine=engine, producer=producer,
                        ensure_topics=lambda topics: bus.ensure_topics(kafka, topics))
    staged = Envelope.wrap(CaseResumed(case_number="FT-9", reason="relayed"), source="test", case_id="case-9",
                           district="demo", actor="test", trace_context=(PARENT, "vendor=a"))
    try:
        async with db.session_factory(engine)() as session, session.begin():
            await outbox.stage(session, staged, topic=topic, service="traced")
        assert not await relay.publish_batch()
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap_servers, auto_offset_reset="earliest")
        await consumer.start()
        try:
            async with asyncio.timeout(30):
                record = None
                while record is None:
                    for records in (await consumer.getmany(timeout_ms=500)).values():
                        record = records[0]
        finally:
            await consumer.stop()
    finally:
        await producer.stop()
        await engine.dispose()

    (sent,) = spans.get_finished_spans()
    assert sent.kind is SpanKind.PRODUCER and sent.name == f"send {topic}"
    assert [(link.context.trace_id, link.context.span_id) for link in sent.links] == [
        (int(TRACE_ID, 16), int("b7ad6b7169203331", 16))]
    assert sent.attributes["messaging.batch.message_count"] == 1
    received = Envelope.from_kafka(record.value, record.headers)
    assert received.traceparent == PARENT  # the staged context: the consumer continues the span that staged it
    assert received.tracestate == "vendor=a"
    assert received.id == staged.id and received.data == staged.data
