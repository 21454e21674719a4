"""Routing as its own process on the real broker, and helpers to talk to it over Kafka and HTTP."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.auth.bus import AUTHORIZATION_HEADER
from shared.dev.broker import DevBroker
from shared.dev.stack import Stack
from shared.envelope import Envelope
from shared.events.base import Event
from shared.events.case import CaseForwarded
from shared.topics import CASE_EVENTS
from tests.conftest import database_url
from tests.issuer import session_issuer


def staff(*roles: str, **claims: str) -> dict[str, str]:
    """Headers of a district-demo principal: a supervisor (who reads every work order) unless `roles` say."""
    return session_issuer().headers(*(roles or ("supervisor",)), **claims)


def dept(department: str, role: str = "dept_handler") -> dict[str, str]:
    """Headers of one department's handler: the department acts as its token says."""
    return session_issuer().headers(role, department=department, sub=f"{department}-handler")


def dept_system_token(department: str) -> str:
    """A department system's client-credentials token, as its commands carry in `authorization`."""
    return session_issuer().token("dept_system", department=department, sub=f"{department}-system")


def start_routing(broker: DevBroker, var_dir: Path, url: str, name: str = "routing") -> Stack:
    """One routing process on the session's broker (the Stack's own broker is never started)."""
    stack = Stack(var_dir=var_dir / name, broker_port=broker.port, database_urls={"routing": url})
    stack.start_service("routing")
    return stack


@pytest.fixture(scope="module")
def routing(broker: DevBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of one routing process on SQLite, shared by a module's tests (each uses its own cases)."""
    var = tmp_path_factory.mktemp("routing")
    stack = start_routing(broker, var, database_url("sqlite", "routing", var))
    yield stack.url("routing")
    stack.stop_service("routing")


def forwarded(description: str, *, matter_code: str | None = None, problem_kind: str = "other",
              district: str = "demo", case_id: str | None = None) -> Envelope:
    case_id = case_id or str(uuid.uuid4())
    event = CaseForwarded(case_number=f"DEMO-{case_id[:8]}", hall="DEMO", problem_kind=problem_kind,
                          matter_code=matter_code, description=description)
    return Envelope.wrap(event, source="intake", case_id=case_id, district=district, hall="DEMO",
                         actor="staff:window")


def command(event: Event, *, case_id: str, actor: str) -> Envelope:
    return Envelope.wrap(event, source="department", case_id=case_id, district="demo", actor=actor)


async def publish(broker: DevBroker, *envelopes: Envelope, topic: str = CASE_EVENTS, token: str | None = None) -> None:
    """Publish `envelopes`; a department command carries its sender's `token` in the `authorization` header."""
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)
    await producer.start()
    try:
        for envelope in envelopes:
            key, value, headers = envelope.to_kafka()
            if token is not None:
                headers.append((AUTHORIZATION_HEADER, f"Bearer {token}".encode()))
            await producer.send(topic, value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


@dataclass
class Feed:
    """Everything read so far from one topic, by a consumer of its own group (as a department's system)."""

    records: list[Any] = field(default_factory=list)

    def envelopes(self, **match: str) -> list[Envelope]:
        found = []
        for record in self.records:
            try:
                envelope = Envelope.from_kafka(record.value, list(record.headers))
            except ValueError:
                continue
            if all(getattr(envelope, k, None) == v or envelope.data.get(k) == v for k, v in match.items()):
                found.append(envelope)
        return found

    async def wait_for(self, count: int = 1, timeout_s: float = 20, **match: str) -> list[Envelope]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.envelopes(**match)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} record(s) matching {match} not seen in {timeout_s}s; saw {len(found)}")


@pytest.fixture
async def read_topic(broker: DevBroker) -> AsyncIterator[Callable[[str], Feed]]:
    """``read_topic(name)`` starts a consumer from the earliest offset; stopped at the test's end."""
    consumers: list[tuple[AIOKafkaConsumer, asyncio.Task[None]]] = []

    def start(topic: str) -> Feed:
        feed = Feed()
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=broker.bootstrap_servers,
                                    group_id=f"test-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest",
                                    metadata_max_age_ms=500)

        async def run() -> None:
            await consumer.start()
            async for record in consumer:
                feed.records.append(record)

        consumers.append((consumer, asyncio.create_task(run())))
        return feed

    yield start
    for consumer, task in consumers:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()


async def eventually(probe: Callable[[], Any], timeout_s: float = 20) -> Any:
    """Poll ``probe`` (a coroutine function) until it returns something truthy, or fail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout_s}s")


async def work_orders(client: httpx.AsyncClient, case_id: str, count: int = 1) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]]:
        orders = (await client.get(f"/cases/{case_id}/work-orders")).json()["items"]
        return orders if len(orders) >= count else []

    return await eventually(probe)


async def routing_of(client: httpx.AsyncClient, case_id: str, state: str | None = None) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await client.get(f"/cases/{case_id}/routing")
        if response.status_code != 200:
            return None
        body = response.json()
        return body if state is None or body["state"] == state else None

    return await eventually(probe)
