"""The console as its own process on the real broker (with the identity service to sign in at): an event
published on the work-order stream arrives at a signed-in department handler's open `/api/live` stream as
one server-sent event; another department's does not."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from shared.dev.login import console_session
from shared.dev.stack import CONSOLE, Stack
from shared.envelope import Envelope
from shared.events.workorder import WorkOrderDispatched
from shared.topics import WORKORDER_EVENTS


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The broker, identity (demo users) and the console: no other service is needed to see the bus."""
    started = Stack(var_dir=tmp_path_factory.mktemp("console-live")).start([CONSOLE])
    try:
        yield started
    finally:
        started.stop()


def dispatched(department: str, case_number: str) -> Envelope:
    event = WorkOrderDispatched(work_order_id=str(uuid.uuid4()), case_number=case_number, department=department,
                                role="lead", tier="general", reason="catalogue")
    return Envelope.wrap(event, source="routing", case_id=str(uuid.uuid4()), district="demo", hall="DEMO",
                         actor="service:routing", occurred_at=datetime.now(UTC))


async def data_lines(stream: httpx.Response) -> AsyncIterator[dict]:
    async for line in stream.aiter_lines():
        if line.startswith("data:"):
            yield orjson.loads(line.removeprefix("data:"))


async def test_a_published_work_order_reaches_its_departments_open_stream_and_no_other(stack: Stack) -> None:
    console = stack.url(CONSOLE)
    cookies = console_session(console, "handler.market", "Handle#Market2026")
    producer = AIOKafkaProducer(bootstrap_servers=stack.broker.bootstrap_servers)
    await producer.start()

    async def publish(envelope: Envelope) -> None:
        key, value, headers = envelope.to_kafka()
        await producer.send_and_wait(WORKORDER_EVENTS, value, key=key, headers=headers)

    try:
        async with (httpx.AsyncClient(cookies=cookies, timeout=None) as browser,
                    browser.stream("GET", f"{console}/api/live") as stream):
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            received = data_lines(stream)
            # The console reads from the newest record on, from when its consumer first fetched: publish until
            # one arrives, so the one that counts is published while it reads.
            async with asyncio.timeout(60):
                while True:
                    await publish(dispatched("market", "DEMO-WARMUP"))
                    try:
                        async with asyncio.timeout(2):
                            await anext(received)
                            break
                    except TimeoutError:
                        continue
            await publish(dispatched("housing", "DEMO-20261207-0001"))  # another department's: never shown here
            await publish(dispatched("market", "DEMO-20261207-0002"))
            async with asyncio.timeout(20):
                message = await anext(received)
                while message["case_number"] == "DEMO-WARMUP":  # a warm-up published twice before it arrived
                    message = await anext(received)
            assert message["case_number"] == "DEMO-20261207-0002", message
            assert message | {"case_id": "", "at": ""} == {
                "type": "workorder.dispatched", "case_id": "", "case_number": "DEMO-20261207-0002",
                "district": "demo", "hall": "DEMO", "department": "market", "state": "dispatched", "at": ""}
    finally:
        await producer.stop()
