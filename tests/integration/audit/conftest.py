"""The audit service in process on the real broker and a real database (SQLite or PostgreSQL)."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared import db, migrations
from shared.dev.broker import DevBroker
from shared.envelope import Envelope
from shared.events.base import Event
from shared.runtime import Runtime
from services.audit.app import build_runtime
from tests.conftest import DATABASES, database_url
from tests.issuer import session_issuer

POLICY = """\
checkpoint_every: 3
assessment: {base_score: 100, yellow_card_points: 0.5, red_card_points: 2}
high_frequency: {lookback_months: 3, min_count: 3, rise_ratio: 1.5, recurring_min_months: 2, top: 20}
"""


@pytest.fixture
def audit_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """Settings for one audit instance: a fresh database, a key and a policy signing every 3 entries."""
    url = database_url(request.param, "audit", tmp_path)
    (tmp_path / "policy.yaml").write_text(POLICY)
    monkeypatch.setenv("BANCHENG_AUDIT_DATABASE_URL", url)
    monkeypatch.setenv("BANCHENG_AUDIT_SIGNING_KEY_PATH", str(tmp_path / "audit-key.pem"))
    monkeypatch.setenv("BANCHENG_AUDIT_RETIRED_KEYS_DIR", str(tmp_path / "retired-keys"))
    monkeypatch.setenv("BANCHENG_AUDIT_POLICY_PATH", str(tmp_path / "policy.yaml"))
    monkeypatch.setenv("BANCHENG_AUDIT_ENVIRONMENT", "test")
    return url


@pytest.fixture
async def migrated(audit_env: str) -> AsyncIterator[Runtime]:
    """A runtime whose database is migrated, not started: for the store alone."""
    runtime = build_runtime()
    await db.ensure_postgres_database(audit_env)
    await asyncio.to_thread(migrations.upgrade, audit_env, runtime.migrations_dir)
    yield runtime
    await runtime.engine.dispose()


@dataclass
class AuditService:
    runtime: Runtime
    producer: AIOKafkaProducer
    district: str  # unique per test: the shared broker's topics carry other tests' cases too

    async def publish(self, topic: str, event: Event, *, case_id: str, at: datetime, hall: str = "H1") -> Envelope:
        envelope = Envelope.wrap(
            event, source="test", case_id=case_id, district=self.district, actor="staff:test", hall=hall, occurred_at=at
        )
        await self.send(topic, envelope)
        return envelope

    async def send(self, topic: str, envelope: Envelope) -> None:
        key, value, headers = envelope.to_kafka()
        await self.producer.send_and_wait(topic, value, key=key, headers=headers)

    def client(self, role: str = "auditor") -> httpx.AsyncClient:
        """HTTP against the app without its lifespan (the runtime is already started), signed in as a `role`
        of this test's district."""
        headers = session_issuer().headers(role, district=self.district)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.runtime.app()), base_url="http://audit",
                                 headers=headers)

    async def wait_until(self, check: Callable[[], Awaitable[bool]], timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if await check():
                return
            await asyncio.sleep(0.1)
        raise AssertionError("condition not met in time")


@pytest.fixture
async def audit(audit_env: str, broker: DevBroker, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AuditService]:
    monkeypatch.setenv("BANCHENG_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers)
    runtime = build_runtime()
    await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, enable_idempotence=False)
    await producer.start()
    try:
        yield AuditService(runtime=runtime, producer=producer, district=f"d-{uuid.uuid4().hex[:8]}")
    finally:
        await producer.stop()
        await runtime.stop()


with_databases = pytest.mark.parametrize("audit_env", DATABASES, indirect=True)
