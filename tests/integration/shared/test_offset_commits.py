"""Offsets committed per interval over the real broker: only past applied records, on the partitions still
assigned; a batch that fails is rewound and consumed again before anything past it is committed."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel, select

from shared import bus, db, inbox, outbox
from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.case import CaseResumed
from shared.offset_commits import OffsetCommits
from shared.runtime import Runtime
from shared.settings import KafkaSettings, ServiceSettings


async def produce(servers: str, topic: str, reasons: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        for reason in reasons:
            envelope = Envelope.wrap(CaseResumed(case_number="FT-1", reason=reason), source="test", case_id="case-1",
                                     district="demo", actor="test", occurred_at=datetime.now(UTC))
            key, value, headers = envelope.to_kafka()
            await producer.send_and_wait(topic, value, key=key, headers=headers, partition=0)
    finally:
        await producer.stop()


async def committed(servers: str, group: str, topic: str) -> int | None:
    reader = AIOKafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        return await reader.committed(TopicPartition(topic, 0))
    finally:
        await reader.stop()


async def test_only_offsets_past_applied_records_are_committed_and_no_more_often_than_the_interval(broker) -> None:
    topic, group = f"test.commits.{uuid.uuid4().hex[:8]}", f"commits-{uuid.uuid4().hex[:6]}"
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    await bus.ensure_topics(kafka, [topic])
    await produce(broker.bootstrap_servers, topic, ["a", "b", "c"])
    commits = OffsetCommits(interval_s=3600, timeout_s=5)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap_servers, group_id=group,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    consumer.subscribe([topic], listener=commits)
    await consumer.start()
    try:
        records: list = []
        async with asyncio.timeout(30):
            while len(records) < 3:
                records += [r for batch in (await consumer.getmany(timeout_ms=500)).values() for r in batch]
        commits.applied(consumer, records[:2])  # the third is fetched (the position is past it), not applied
        await commits.commit_if_due()
        assert await committed(broker.bootstrap_servers, group, topic) is None  # within the interval
        await commits.commit_each_batch()
        assert await committed(broker.bootstrap_servers, group, topic) == records[1].offset + 1
        commits.applied(consumer, records[2:])
        await commits.commit_if_due()  # stopping: each batch is committed at once
        assert await committed(broker.bootstrap_servers, group, topic) == records[2].offset + 1
        commits.applied(consumer, records[:1])  # a replayed older batch never moves the offset back
        await commits.on_partitions_revoked({TopicPartition(topic, 0)})
        assert await committed(broker.bootstrap_servers, group, topic) == records[2].offset + 1
    finally:
        await consumer.stop()


async def test_a_batch_that_fails_is_rewound_and_applied_before_its_offsets_are_committed(broker, tmp_path) -> None:
    topic, group = f"test.rewind.{uuid.uuid4().hex[:8]}", f"rewind-{uuid.uuid4().hex[:6]}"
    url = f"sqlite+aiosqlite:///{tmp_path / 'rewind.db'}"
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(
            sync, tables=[inbox.ProcessedEvent.__table__, outbox.OutboxMessage.__table__]))
    await engine.dispose()
    consumer = Consumer(group, topics=[topic])
    attempts: dict[str, int] = {}

    @consumer.on(CaseResumed)
    async def on_resumed(event: CaseResumed, _envelope: Envelope, _unit: Unit) -> None:
        attempts[event.reason] = attempts.get(event.reason, 0) + 1
        if event.reason == "outage" and attempts["outage"] <= 3:  # every retry of its first delivery fails
            raise OperationalError("INSERT", {}, Exception("database is locked"))

    migrations = tmp_path / "migrations"
    migrations.mkdir()
    runtime = Runtime(
        settings=ServiceSettings(service_name=f"rewind{uuid.uuid4().hex[:6]}", database_url=url,
                                 consumer_retry_backoff_s=0.01),
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap_servers, commit_interval_ms=0),
        migrations_dir=Path(migrations), subscribers=lambda _runtime: [consumer], topics=[topic],
    )
    await runtime.start()
    try:
        await produce(broker.bootstrap_servers, topic, ["before", "outage", "after"])
        async with asyncio.timeout(30):
            while attempts.get("after", 0) == 0 or await committed(broker.bootstrap_servers, group, topic) != 3:
                await asyncio.sleep(0.1)
        assert attempts["outage"] == 4  # three tries, rewound, consumed again, applied
        async with runtime.sessions() as session:
            assert len((await session.exec(select(inbox.ProcessedEvent))).all()) == 3  # each applied once
    finally:
        await runtime.stop()
