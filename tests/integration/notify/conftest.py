"""Notify against the real broker, a real database and real endpoints on 127.0.0.1.

Providers: an HTTP receiver (SMS gateway, WeCom / DingTalk robots, department webhooks, the 12345
platform) and an aiosmtpd server. District rules point every contact at them.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlmodel import select

from shared.envelope import Envelope
from shared.events import case, sla, workorder
from shared.events.base import Event
from shared.personal_data import get_keyring
from shared.runtime import Runtime
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from services.notify.config import NotifySettings, get_settings
from services.notify.domain.config_files import DATA_DIR
from services.notify.store import tables
from tests.conftest import database_url
from tests.unit.notify import conftest as unit_fixtures
from tests.unit.notify.conftest import HttpReceiver
from tests.unit.notify.packs import notify_test_packs

# The unit tests' receivers, reused: pytest finds fixtures among a conftest's names.
_running_receiver = unit_fixtures._running_receiver
http_receiver = unit_fixtures.http_receiver
smtp_server = unit_fixtures.smtp_server

ORDER_DUE = datetime(2026, 12, 14, 9, 30, tzinfo=UTC)  # a work order's deadline as sla arms it
HOTLINE_SECRET = "hotline-test-secret"
WEBHOOK_SECRET = "webhook-test-secret"


@pytest.fixture
def notify_settings(
    broker, tmp_path: Path, http_receiver: HttpReceiver, smtp_server, monkeypatch: pytest.MonkeyPatch, request
) -> NotifySettings:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA_DIR / "templates.yaml", data / "templates.yaml")
    packs = notify_test_packs(tmp_path / "packs", url=http_receiver.url)
    gateway = tmp_path / "sms_gateway.yaml"  # the generic JSON protocol: success is any 2xx
    gateway.write_text(yaml.safe_dump({"url": http_receiver.url("/sms/send"),
                                       "body": {"mobile": "{phone}", "content": "{text}", "out_id": "{delivery_id}"}}))
    kind = getattr(request, "param", "sqlite")
    env = {
        "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "BANCHENG_NOTIFY_DATABASE_URL": database_url(kind, f"notify_{uuid.uuid4().hex[:6]}", tmp_path),
        "BANCHENG_NOTIFY_DATA_DIR": str(data),
        "BANCHENG_NOTIFY_DISTRICTS_DIR": str(packs),
        "BANCHENG_NOTIFY_FILE_SINK": str(tmp_path / "sink.jsonl"),
        "BANCHENG_NOTIFY_SMS_GATEWAY": str(gateway),
        "BANCHENG_NOTIFY_SMTP_HOST": "127.0.0.1",
        "BANCHENG_NOTIFY_SMTP_PORT": str(smtp_server[0]),
        "BANCHENG_NOTIFY_HOTLINE_ENDPOINT": http_receiver.url("/hotline"),
        "BANCHENG_NOTIFY_HOTLINE_SECRET": HOTLINE_SECRET,
        "BANCHENG_NOTIFY_SIGNING_SECRET": WEBHOOK_SECRET,
        "BANCHENG_NOTIFY_RETRY_MAX_ATTEMPTS": "4",
        "BANCHENG_NOTIFY_RETRY_BASE_S": "0.05",
        "BANCHENG_NOTIFY_RETRY_CAP_S": "0.2",
        "BANCHENG_NOTIFY_DISPATCH_POLL_S": "0.1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return get_settings()


@pytest.fixture
async def start_runtime() -> AsyncIterator[Callable[[Runtime], Awaitable[Runtime]]]:
    started: list[Runtime] = []

    async def start(runtime: Runtime) -> Runtime:
        await runtime.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in reversed(started):
        await runtime.stop()


@pytest.fixture
async def producer(broker) -> AsyncIterator[AIOKafkaProducer]:
    client = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, enable_idempotence=False)
    await client.start()
    yield client
    await client.stop()


class CaseScript:
    """Publishes one case's events as its producers would (same case id, district and hall)."""

    def __init__(self, producer: AIOKafkaProducer, *, district: str = "demo", hall: str = "FT") -> None:
        self.producer = producer
        self.case_id = f"case-{uuid.uuid4().hex[:10]}"
        self.district, self.hall = district, hall

    def envelope(self, event: Event, source: str = "intake") -> Envelope:
        return Envelope.wrap(event, source=source, case_id=self.case_id, district=self.district,
                             hall=self.hall, actor=f"service:{source}")

    def contact(self, *, case_number: str, name: str, phone: str | None = None,
                email: str | None = None) -> case.CaseContactRecorded:
        """The contact as intake sends it: sealed under the transport key."""
        return case.seal_contact(get_keyring(environment="test"), case_id=self.case_id, case_number=case_number,
                                 contact=case.Contact(name=name, phone=phone, email=email))

    async def publish(self, topic: str, event: Event | Envelope, source: str = "intake") -> Envelope:
        envelope = event if isinstance(event, Envelope) else self.envelope(event, source)
        key, value, headers = envelope.to_kafka()
        await self.producer.send_and_wait(topic, value, key=key, headers=headers)
        return envelope

    async def dispatch(self, event: workorder.WorkOrderDispatched, *, due_at: datetime = ORDER_DUE) -> None:
        """A work order dispatched by routing, then its deadline armed by sla (its notice waits for that)."""
        await self.publish(WORKORDER_EVENTS, event, "routing")
        await self.publish(SLA_EVENTS, sla.DeadlineArmed(subject="work_order", subject_id=event.work_order_id,
                                                         department=event.department, tier=event.tier,
                                                         due_at=due_at), "sla")


async def deliveries(runtime: Runtime, case_id: str) -> list[tables.Delivery]:
    async with runtime.sessions() as session:
        return list((await session.exec(select(tables.Delivery).where(tables.Delivery.case_id == case_id))).all())


async def settled(
    runtime: Runtime, case_id: str, *, count: int, timeout_s: float = 30.0, ignore: frozenset[str] = frozenset()
) -> list[tables.Delivery]:
    """The case's deliveries (but on channels in `ignore`) once `count` exist and none is in flight."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = [row for row in await deliveries(runtime, case_id) if row.channel not in ignore]
        if len(rows) >= count and all(row.state in ("delivered", "failed") for row in rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled: {[(r.channel, r.recipient, r.state, r.last_error) for r in rows]}")
        await asyncio.sleep(0.1)


async def records(broker, topic: str, case_id: str) -> list[tuple[Envelope, dict[str, str]]]:
    """Every record of `case_id` on `topic` so far, read with assign() from the beginning."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in (consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found = []
        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in partitions])

        while await behind():
            batch = await consumer.getmany(timeout_ms=500)
            for message in (m for messages in batch.values() for m in messages):
                headers = {name: raw.decode() for name, raw in message.headers}
                if headers.get("ce_subject") == case_id:
                    found.append((Envelope.from_kafka(message.value, list(message.headers)), headers))
        return found
    finally:
        await consumer.stop()


async def wait_records(
    broker, topic: str, case_id: str, *, count: int, timeout_s: float = 30.0
) -> list[tuple[Envelope, dict[str, str]]]:
    deadline = time.monotonic() + timeout_s
    while len(found := await records(broker, topic, case_id)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return found


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()
