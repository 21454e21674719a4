"""The pipeline gauges over the real broker and databases: a group's lag is what it has not committed,
and the outbox's oldest unsent row ages while the relay does not publish, and drops to 0 once it does."""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared import bus, db, outbox, outbox_relay
from shared.envelope import Envelope
from shared.events.case import CaseResumed
from shared.pipeline_gauges import CONSUMER_LAG, LagReader, sample_pipeline_gauges
from shared.settings import KafkaSettings
from tests.conftest import DATABASES, database_url


async def produce(servers: str, topic: str, count: int) -> None:
    """One record a batch: the dev broker (Tansu) reports a partition's end offset as its last batch's
    base offset + 1, so records batched together would count once (Apache Kafka counts each)."""
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        for n in range(count):
            await producer.send_and_wait(topic, b"x", key=str(n).encode())
    finally:
        await producer.stop()


async def consume_and_commit(servers: str, topic: str, group: str, count: int) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, group_id=group, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    try:
        seen = 0
        async with asyncio.timeout(60):
            while seen < count:
                seen += sum(len(records) for records in (await consumer.getmany(timeout_ms=500)).values())
        await consumer.commit()
    finally:
        await consumer.stop()


async def test_consumer_lag_is_what_the_group_has_not_committed(broker) -> None:
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    topic, group = f"test.lag.{uuid.uuid4().hex[:8]}", f"lag-{uuid.uuid4().hex[:8]}"
    await bus.ensure_topics(kafka, [topic])
    reader = LagReader(kafka, service="test")
    await reader.start()
    try:
        await produce(broker.bootstrap_servers, topic, 30)
        assert await reader.lag(group, [topic]) == {topic: 30}  # nothing committed: counted from the start

        await consume_and_commit(broker.bootstrap_servers, topic, group, 30)
        assert await reader.lag(group, [topic]) == {topic: 0}

        await produce(broker.bootstrap_servers, topic, 5)
        assert await reader.lag(group, [topic]) == {topic: 5}
    finally:
        await reader.close()


@pytest.mark.parametrize("kind", DATABASES)
async def test_outbox_age_rises_while_the_relay_is_paused_and_falls_once_it_publishes(
    kind: str, broker, tmp_path
) -> None:
    url = database_url(kind, "outbox", tmp_path)
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create)
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    service = f"age{uuid.uuid4().hex[:6]}"
    producer = bus.create_producer(kafka, service=service)
    await producer.start()
    # Not started: a paused relay, as when it cannot reach the broker.
    relay = outbox_relay.OutboxRelay(service=service, engine=engine, producer=producer,
                                     ensure_topics=lambda topics: bus.ensure_topics(kafka, topics))
    runtime = SimpleNamespace(name=service, relay=relay, consumers=[], kafka=kafka,
                              settings=SimpleNamespace(gauge_interval_s=0.1))
    age = outbox_relay.OLDEST_UNSENT_AGE.labels(service)
    sampler = asyncio.create_task(sample_pipeline_gauges(runtime))  # type: ignore[arg-type]  # a stand-in runtime
    try:
        await wait_for(lambda: age._value.get() == 0.0)
        async with db.session_factory(engine)() as session, session.begin():
            event = CaseResumed(case_number="c-1", reason="r")
            await outbox.stage(session, Envelope.wrap(event, source="test", case_id="c-1", district="demo",
                                                      actor="test", occurred_at=datetime.now(UTC)),
                               topic=f"test.age.{service}", service=service)
        await wait_for(lambda: age._value.get() >= 1.0)
        first = age._value.get()
        await wait_for(lambda: age._value.get() >= first + 0.5)

        while await relay.publish_batch():  # the relay resumes
            pass
        await wait_for(lambda: age._value.get() == 0.0)
    finally:
        sampler.cancel()
        await asyncio.gather(sampler, return_exceptions=True)
        await producer.stop()
        await engine.dispose()


async def wait_for(condition, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def test_lag_gauge_is_labelled_by_group_and_topic_only() -> None:
    assert CONSUMER_LAG._labelnames == ("group", "topic")
