"""The batch applier over a real database and broker: a record that can never apply is dead-lettered at
once with its reason, a passing race is retried and applied, the rest of the batch applies once."""

import uuid
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from shared import bus, db, inbox, outbox
from shared.consuming import BatchApplier, Consumer
from shared.deadletters import read_dead_letters
from shared.envelope import Envelope
from shared.events.case import CaseAccepted, CaseResumed
from shared.settings import KafkaSettings


def record(offset: int, reason: str) -> ConsumerRecord:
    envelope = Envelope.wrap(CaseResumed(case_number=f"FT-{offset}", reason=reason), source="test",
                             case_id=f"case-{offset}", district="demo", actor="test", occurred_at=datetime.now(UTC))
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord("test.input", 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


async def test_poison_is_dead_lettered_at_once_and_a_lost_race_is_retried(broker, tmp_path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'applier.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: inbox.ProcessedEvent.__table__.create(sync))
        await connection.run_sync(lambda sync: outbox.OutboxMessage.__table__.create(sync))
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    producer = bus.create_producer(kafka, service="test")
    await producer.start()
    group = f"applier-{uuid.uuid4().hex[:6]}"
    consumer = Consumer(group, topics=["test.input"])
    calls: dict[str, int] = {}

    @consumer.on(CaseResumed)
    async def on_resumed(event: CaseResumed, _envelope: Envelope, _unit) -> None:
        calls[event.reason] = calls.get(event.reason, 0) + 1
        if event.reason == "unknown district":
            raise LookupError("no SLA policy for district 'nowhere'")
        if event.reason == "race" and calls["race"] < 3:
            raise IntegrityError("INSERT", {}, Exception("another writer was first"))

    applier = BatchApplier(consumer=consumer, service="test", sessions=db.session_factory(engine),
                           producer=lambda: producer, on_commit=lambda: None, retry_backoff_s=0.01)
    batch = [record(0, "fine"), record(1, "unknown district"), record(2, "race"), record(3, "fine too")]
    try:
        await applier(batch)

        assert calls["unknown district"] == 2  # in the batch, then alone: never retried
        assert calls["race"] == 3  # alone: lost twice, retried with backoff, applied
        assert (calls["fine"], calls["fine too"]) == (2, 1)  # the batch stopped at the poison, rolled back
        letters = await read_dead_letters(broker.bootstrap_servers, group)
        assert [(letter.header("dlq_offset"), letter.header("dlq_reason")) for letter in letters] == [
            ("1", "LookupError: no SLA policy for district 'nowhere'")
        ]

        before = dict(calls)
        await applier([batch[0], batch[2], batch[3]])  # redelivered: already applied, nothing runs again
        assert calls == before
    finally:
        await producer.stop()
        await engine.dispose()


async def test_the_relay_is_woken_only_after_a_batch_that_staged_events(tmp_path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'applier.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: inbox.ProcessedEvent.__table__.create(sync))
        await connection.run_sync(lambda sync: outbox.OutboxMessage.__table__.create(sync))
    consumer = Consumer("wakes", topics=["test.input"])

    @consumer.on(CaseResumed)
    async def on_resumed(event: CaseResumed, envelope: Envelope, unit) -> None:
        if event.reason == "emit":
            await unit.forward(envelope, topic="test.output")

    wakes = []
    applier = BatchApplier(consumer=consumer, service="test", sessions=db.session_factory(engine),
                           producer=lambda: None, on_commit=lambda: wakes.append(1))
    try:
        await applier([record(0, "quiet"), record(1, "quiet too")])
        assert wakes == []
        await applier([record(2, "quiet"), record(3, "emit")])
        assert wakes == [1]
    finally:
        await engine.dispose()


async def test_events_no_handler_takes_are_not_recorded_and_open_no_transaction(tmp_path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'applier.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: inbox.ProcessedEvent.__table__.create(sync))
        await connection.run_sync(lambda sync: outbox.OutboxMessage.__table__.create(sync))
    consumer = Consumer("selective", topics=["test.input"])
    applied = []

    @consumer.on(CaseResumed)
    async def on_resumed(event: CaseResumed, _envelope: Envelope, _unit) -> None:
        applied.append(event.reason)

    sessions = db.session_factory(engine)
    opened = []

    def counting_sessions():
        opened.append(1)
        return sessions()

    accepted = Envelope.wrap(CaseAccepted(case_number="FT-9"), source="test", case_id="case-9", district="demo",
                             actor="test", occurred_at=datetime.now(UTC))
    key, value, headers = accepted.to_kafka()
    not_handled = ConsumerRecord("test.input", 0, 9, 0, 0, key, value, None, len(key), len(value), headers)
    applier = BatchApplier(consumer=consumer, service="test", sessions=counting_sessions,
                           producer=lambda: None, on_commit=lambda: None)
    try:
        await applier([not_handled])
        assert opened == []
        handled = record(10, "handled")
        await applier([not_handled, handled])
        assert applied == ["handled"] and opened == [1]
        async with sessions() as session:
            recorded = (await session.exec(select(inbox.ProcessedEvent.event_id))).all()
        assert recorded == [dict(handled.headers)["ce_id"].decode()]
    finally:
        await engine.dispose()
