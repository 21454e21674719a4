"""sla as a real process on the real broker, with a clock the tests move (environment=test only)."""

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.dev.broker import DevBroker
from shared.dev.stack import Stack
from shared.envelope import Envelope
from shared.events.base import Event
from shared.topics import SLA_EVENTS
from tests.conftest import database_url
from tests.issuer import session_issuer


class SlaProcess:
    """One sla process: publish its input events, move its clock, read what it emits."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.url = stack.url("sla")
        self.bootstrap = stack.broker.bootstrap_servers
        self.operator = session_issuer().headers("system_admin")  # the calendar and the test clock
        self.supervisor = session_issuer().headers("supervisor")  # deadlines and the board, district demo

    def publish(self, topic: str, event: Event, *, case_id: str, at: datetime) -> None:
        envelope = Envelope.wrap(
            event, source="test", case_id=case_id, district="demo", actor="staff:test", hall="DEMO", occurred_at=at
        )

        async def send() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, enable_idempotence=False)
            await producer.start()
            try:
                key, value, headers = envelope.to_kafka()
                await producer.send_and_wait(topic, value, key=key, headers=headers)
            finally:
                await producer.stop()

        asyncio.run(send())

    def move_clock(self, now: datetime) -> None:
        response = httpx.put(f"{self.url}/test/clock", json={"now": now.isoformat()}, headers=self.operator)
        assert response.status_code == 200, response.text

    def restart_with_clock(self, now: datetime) -> None:
        """Start sla again after a crash, its clock at `now` from the first sweep on."""
        self.stack.extra_env["BANCHENG_SLA_CLOCK_OFFSET_S"] = str((now - datetime.now(UTC)).total_seconds())
        self.stack.start_service("sla")

    def emitted(self, case_id: str | None) -> list[Envelope]:
        """Every SLA event of the case (of every case: None) on the broker so far, in order, duplicates included."""

        async def read() -> list[Envelope]:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None)
            await consumer.start()
            try:
                partitions = [TopicPartition(SLA_EVENTS, p) for p in consumer.partitions_for_topic(SLA_EVENTS) or ()]
                consumer.assign(partitions)
                await consumer.seek_to_beginning(*partitions)
                ends = await consumer.end_offsets(partitions)
                found: list[Envelope] = []
                # Read to the end offsets taken above: an empty poll is no proof that nothing is left.
                while [p for p in partitions if await consumer.position(p) < ends[p]]:
                    for records in (await consumer.getmany(*partitions, timeout_ms=500)).values():
                        for r in records:
                            if case_id is None or r.key == case_id.encode():
                                found.append(Envelope.from_kafka(r.value, list(r.headers)))
                return found  # one key, one partition: in the order sla published them
            finally:
                await consumer.stop()

        return asyncio.run(read())

    def observed_for(self, case_id: str, seconds: float) -> list[Envelope]:
        """The events after watching for `seconds` (several sweeps): for proving nothing more comes."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.3)
        return self.emitted(case_id)

    def wait_for(
        self, case_id: str, until: Callable[[list[Envelope]], bool], timeout_s: float = 40
    ) -> list[Envelope]:
        deadline = time.monotonic() + timeout_s
        events = self.emitted(case_id)
        while not until(events) and time.monotonic() < deadline:
            time.sleep(0.3)
            events = self.emitted(case_id)
        assert until(events), [(e.type, e.data) for e in events]
        return events


def start_sla(broker: DevBroker, tmp_path: Path, kind: str, clock_at: datetime, env: dict[str, str]) -> Stack:
    stack = Stack(
        var_dir=tmp_path,
        database_urls={"sla": database_url(kind, "sla", tmp_path)},
        extra_env={
            "BANCHENG_SLA_ENVIRONMENT": "test",
            "BANCHENG_SLA_SWEEP_INTERVAL_S": "0.2",
            "BANCHENG_SLA_CLOCK_OFFSET_S": str((clock_at - datetime.now(UTC)).total_seconds()),
            **env,
        },
    )
    stack.broker = broker  # the session's broker: started already, so Stack does not start another
    stack.start_service("sla")
    return stack


@pytest.fixture
def new_case_id() -> str:
    return f"case-{uuid.uuid4()}"


@pytest.fixture
def sla_factory(broker: DevBroker, tmp_path: Path) -> Iterator[Callable[..., SlaProcess]]:
    stacks: list[Stack] = []

    def start(kind: str, clock_at: datetime, **env: str) -> SlaProcess:
        stacks.append(stack := start_sla(broker, tmp_path, kind, clock_at, env))
        return SlaProcess(stack)

    yield start
    for stack in stacks:
        stack.stop_service("sla")  # never stack.stop(): the broker belongs to the session
