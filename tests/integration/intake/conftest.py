"""Intake as a real HTTP server (uvicorn, in this process) on the real broker and a real database."""

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.dev.broker import DevBroker, free_port
from shared.envelope import Envelope
from shared.events.base import Event
from shared.settings import KafkaSettings
from services.intake.app import build_runtime
from services.intake.config import IntakeSettings
from tests.conftest import DATABASES, database_url
from tests.issuer import TokenIssuer

SECRET = "integration-test-secret"
CLERK = "clerk-ft"  # the window clerk of hall FT every test acts as, unless it says otherwise


@dataclass
class Intake:
    url: str
    broker: DevBroker
    client: httpx.AsyncClient  # signed in as CLERK
    issuer: TokenIssuer
    database_url: str

    def auth(self, *roles: str, **claims: str) -> dict[str, str]:
        """The Authorization header of another principal (district demo unless `claims` say otherwise)."""
        return self.issuer.headers(*roles, **claims)

    async def counts(self) -> dict[str, int]:
        response = await self.client.get("/cases/counts", headers=self.auth("supervisor"))
        assert response.status_code == 200, response.text
        return response.json()

    async def register(self, body: dict, **headers: str) -> dict:
        response = await self.client.post("/cases", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def act(self, case_id: str, action: str, **fields: object) -> httpx.Response:
        return await self.client.post(f"/cases/{case_id}/actions", json={"action": action, **fields})

    async def case(self, case_id: str) -> dict:
        return (await self.client.get(f"/cases/{case_id}")).json()

    async def wait_for_state(self, case_id: str, state: str, timeout_s: float = 20) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            case = await self.case(case_id)
            if case["state"] == state:
                return case
            await asyncio.sleep(0.1)
        raise AssertionError(f"case {case_id} stayed {case['state']}, never {state}")

    async def publish(self, event: Event, *, topic: str, case_id: str, source: str, actor: str) -> None:
        """Stand in for another service: publish its event on the real broker."""
        envelope = Envelope.wrap(event, source=source, case_id=case_id, district="demo", actor=actor)
        key, value, headers = envelope.to_kafka()
        producer = AIOKafkaProducer(bootstrap_servers=self.broker.bootstrap_servers, enable_idempotence=False)
        await producer.start()
        try:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
        finally:
            await producer.stop()

    async def events(self, topic: str, case_id: str, *, until: set[str], times: int = 1,
                     timeout_s: float = 20) -> list[Envelope]:
        """Every envelope of `case_id` on `topic`, read from the start until each `until` type appeared `times`."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.broker.bootstrap_servers, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer.topics()  # loads the metadata that partitions_for_topic reads
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            found: list[Envelope] = []
            deadline = time.monotonic() + timeout_s
            def seen_all() -> bool:
                return all(sum(e.type == wanted for e in found) >= times for wanted in until)

            while time.monotonic() < deadline and not seen_all():
                batches = await consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    for record in records:
                        envelope = Envelope.from_kafka(record.value, list(record.headers))
                        if envelope.case_id == case_id:
                            found.append(envelope)
            return found
        finally:
            await consumer.stop()


@pytest.fixture(scope="module", params=DATABASES)
async def intake(request: pytest.FixtureRequest, broker: DevBroker, issuer: TokenIssuer,
                 tmp_path_factory) -> AsyncIterator[Intake]:
    port = free_port()
    settings = IntakeSettings(
        environment="test", port=port, signing_secret=SECRET, log_level="WARNING",
        database_url=database_url(request.param, "intake", tmp_path_factory.mktemp("intake")),
        lookup_requests_per_minute=1000, lookup_failures_per_case=3,
        **getattr(request.module, "INTAKE_SETTINGS", {}),  # a test module's own, e.g. a short stuck_after_s
    )
    runtime = build_runtime(settings, KafkaSettings(bootstrap_servers=broker.bootstrap_servers))
    server = uvicorn.Server(uvicorn.Config(runtime.app(), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not (server.started and runtime.startup.done):  # the runtime starts beside the server
        if task.done():
            task.result()
        assert runtime.startup.failure is None, runtime.startup.state
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    clerk = issuer.headers("window_clerk", sub=CLERK, name="窗口 王敏", hall="FT")
    async with httpx.AsyncClient(base_url=url, timeout=10, headers=clerk) as client:
        yield Intake(url=url, broker=broker, client=client, issuer=issuer, database_url=settings.database_url)
    server.should_exit = True
    await task


def walk_in(**overrides: object) -> dict:
    """A walk-in registration at the demo hall, kept at `registered` unless `forward` is given."""
    return {
        "hall": "FT", "channel": "walk_in", "problem_kind": "missing_materials",
        "description": "租赁备案缺银行同意函", "forward": False,
        "applicant": {"kind": "person", "name": "王芳", "phone": "13912345678"},
        **overrides,
    }
