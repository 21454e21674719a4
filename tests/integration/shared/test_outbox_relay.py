"""The outbox relay over the real broker and real databases: nothing lost, one case's events in order,
and on PostgreSQL several relays may run while only the leader publishes."""

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from shared import bus, db, outbox, outbox_relay
from shared.envelope import Envelope
from shared.events.case import CaseResumed
from shared.settings import KafkaSettings
from tests.conftest import DATABASES, database_url

CASES, EVENTS_PER_CASE = 40, 25


def envelope(case_id: str, sequence: int) -> Envelope:
    return Envelope.wrap(
        CaseResumed(case_number=case_id, reason=str(sequence)),
        source="test", case_id=case_id, district="demo", actor="test", occurred_at=datetime.now(UTC),
    )


async def start_relay(
    url: str, kafka: KafkaSettings, service: str, engine: AsyncEngine | None = None,
) -> tuple[outbox_relay.OutboxRelay, object]:
    """A running relay; on an engine of its own unless given the writers' (as a service runs it)."""
    engine = engine or db.create_engine(url)
    producer = bus.create_producer(kafka, service=service)
    await producer.start()
    relay = outbox_relay.OutboxRelay(
        service=service, engine=engine, producer=producer,
        ensure_topics=lambda topics: bus.ensure_topics(kafka, topics), poll_interval_s=0.1,
    )
    await relay.start()
    return relay, (engine, producer)


async def read_all(servers: str, topic: str, expected: int) -> dict[str, list[int]]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, auto_offset_reset="earliest")
    await consumer.start()
    seen: dict[str, list[int]] = defaultdict(list)
    try:
        async with asyncio.timeout(60):
            while sum(map(len, seen.values())) < expected:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        seen[record.key.decode()].append(
                            int(Envelope.from_kafka(record.value, record.headers).data["reason"])
                        )
    finally:
        await consumer.stop()
    return seen


@pytest.mark.parametrize(("kind", "writers_engine"), [(kind, False) for kind in DATABASES] + [("sqlite", True)])
async def test_relays_publish_every_staged_event_once_in_case_order(
    kind: str, writers_engine: bool, broker, tmp_path
) -> None:
    """On the writers' own engine (SQLite) the relay is handed the committed rows instead of reading them."""
    url = database_url(kind, "outbox", tmp_path)
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create)
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    service = f"outbox{uuid.uuid4().hex[:6]}"
    # Several relays only make sense where several processes share one database: PostgreSQL.
    relays = [await start_relay(url, kafka, service, engine if writers_engine else None)
              for _ in range(2 if kind == "postgres" else 1)]
    sessions = db.session_factory(engine)
    try:
        cases = [f"case-{n}" for n in range(CASES)]
        for sequence in range(EVENTS_PER_CASE):  # interleaved, one commit per round, as live traffic would be
            async with sessions() as session, session.begin():
                for case_id in cases:
                    await outbox.stage(session, envelope(case_id, sequence), topic=topic, service=service)
            for relay, _ in relays:
                relay.wake()

        seen = await read_all(broker.bootstrap_servers, topic, CASES * EVENTS_PER_CASE)

        assert set(seen) == set(cases)
        for case_id in cases:
            assert seen[case_id] == list(range(EVENTS_PER_CASE)), f"{case_id} out of order or duplicated"
        # The relay deletes what it published once the broker acknowledged it: a moment after the reads.
        async with asyncio.timeout(10):
            while True:
                async with sessions() as session:
                    if await outbox.count_pending(session) == 0:
                        break
                await asyncio.sleep(0.05)
    finally:
        for relay, (relay_engine, producer) in relays:
            await relay.stop()
            await producer.stop()
            if relay_engine is not engine:
                await relay_engine.dispose()
        await engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
async def test_events_staged_in_a_rolled_back_transaction_are_never_written(kind: str, tmp_path) -> None:
    url = database_url(kind, "outbox", tmp_path)
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create, checkfirst=True)
    sessions = db.session_factory(engine)
    try:
        async with sessions() as session:
            with pytest.raises(RuntimeError):
                async with session.begin():
                    await outbox.stage(session, envelope("case-1", 0), topic="t", service="test")
                    raise RuntimeError("the effect failed")
            async with session.begin():
                await outbox.stage(session, envelope("case-1", 1), topic="t", service="test")
                await outbox.stage(session, envelope("case-1", 2), topic="t", service="test")
        async with sessions() as session:
            rows = (await session.exec(select(outbox.OutboxMessage).order_by(outbox.OutboxMessage.id))).all()
        assert [Envelope.from_kafka(row.value, [(n, v.encode()) for n, v in row.headers]).data["reason"]
                for row in rows] == ["1", "2"]
    finally:
        await engine.dispose()


class RecordingProducer:
    """Acknowledges every send at once and remembers what was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.client = self

    async def add_topic(self, _topic: str) -> None:
        return None

    async def send(self, _topic: str, value: bytes, *, key: bytes, headers: list) -> asyncio.Future:
        self.sent.append(Envelope.from_kafka(value, headers).data["reason"])
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def test_sqlite_relay_deletes_published_rows_later_and_never_publishes_one_twice(tmp_path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create)
    sessions = db.session_factory(engine)
    producer = RecordingProducer()

    async def ensure_topics(_topics: list[str]) -> None:
        return None

    relay = outbox_relay.OutboxRelay(service="test", engine=engine, producer=producer, ensure_topics=ensure_topics)

    async def stage(*reasons: str) -> None:
        async with sessions() as session, session.begin():
            for reason in reasons:
                await outbox.stage(session, envelope("case-1", 0).model_copy(update={"data": {"case_number": "c",
                                   "reason": reason}}), topic="t", service="test")

    async def pending() -> int:
        async with sessions() as session:
            return await outbox.count_pending(session)

    try:
        await stage("a", "b", "c")
        await relay.publish_batch()
        await stage("d")
        await relay.publish_batch()
        await relay.publish_batch()
        assert producer.sent == ["a", "b", "c", "d"] and await pending() == 4  # published, deleted later
        await relay.delete_published()
        assert await pending() == 0
        await stage("e", "f")  # an emptied SQLite table gives its ids again, from 1
        await relay.publish_batch()
        assert producer.sent[4:] == ["e", "f"]
        await stage("g")
        await relay.drain()
        assert producer.sent[6:] == ["g"] and await pending() == 0
    finally:
        await engine.dispose()


async def test_sqlite_relay_publishes_handed_over_rows_unread_and_reads_the_table_after_a_gap(tmp_path) -> None:
    """Commits through the relay's engine hand their rows over; a row another writer wrote (intake's group
    commit has an engine of its own) breaks the run of ids, and the relay reads the table from there."""
    path = tmp_path / "outbox.db"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    other_writer = db.create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create)
    reads: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cu, statement, *_: reads.append(statement) if statement.startswith("SELECT") else None)
    sessions = db.session_factory(engine)
    producer = RecordingProducer()
    relay = outbox_relay.OutboxRelay(service="test", engine=engine, producer=producer, ensure_topics=no_topics)

    async def stage(*reasons: str, through: AsyncEngine = engine) -> None:
        async with db.session_factory(through)() as session, session.begin():
            for reason in reasons:
                await outbox.stage(session, envelope("case-1", 0).model_copy(update={"data": {"case_number": "c",
                                   "reason": reason}}), topic="t", service="test")

    outbox.hand_over_commits(engine.sync_engine, relay.hand_over)  # as start() does; the passes are the test's
    try:
        await stage("a", "b")
        await stage("c")
        while await relay.publish_batch():
            pass
        assert producer.sent == ["a", "b", "c"] and reads == []  # published from memory
        await stage("d")
        await stage("e", through=other_writer)  # not handed over: a gap
        await stage("f")
        await relay.publish_batch()
        assert producer.sent[3:] == ["d"]
        await relay.publish_batch()
        assert producer.sent[4:] == ["e", "f"] and len(reads) == 1  # read from the table, f not sent twice
        await relay.publish_batch()
        assert producer.sent[6:] == []
        async with sessions() as session:
            assert await outbox.count_pending(session) == 6  # published, deleted later
    finally:
        outbox.hand_over_commits(engine.sync_engine, None)
        await other_writer.dispose()
        await engine.dispose()


async def test_sqlite_relay_publishes_handed_over_rows_in_id_order_whatever_order_they_come_in(tmp_path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(outbox.OutboxMessage.__table__.create)
        rows = [{"topic": "t", "key": b"case-1", "value": b"{}", "headers": [("ce_id", str(n))],
                 "created_at": datetime.now(UTC)} for n in range(1, 5)]
        await connection.execute(insert(outbox.OUTBOX), rows)
    producer = RecordingIds()
    relay = outbox_relay.OutboxRelay(service="test", engine=engine, producer=producer, ensure_topics=no_topics)
    try:
        written = outbox.written_rows(rows, last_id=4)
        relay.hand_over(written[2:])  # a later commit's rows first, then the earlier one's
        relay.hand_over(written[:2])
        await relay.publish_batch()
        assert producer.sent == ["1", "2", "3", "4"]
    finally:
        await engine.dispose()


async def no_topics(_topics: list[str]) -> None:
    return None


class RecordingIds(RecordingProducer):
    """Remembers each sent record's ce_id header."""

    async def send(self, _topic: str, value: bytes, *, key: bytes, headers: list) -> asyncio.Future:
        self.sent.append(dict(headers)["ce_id"].decode())
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
