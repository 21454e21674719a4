"""Live changes through the console (issue #17): how long from an event published on the bus to its arrival at
an open `/api/live` stream, and whether one console process holds 200 open streams, each receiving the event.

Starts the dev broker, the identity service (demo users) and the console as processes (`shared.dev.stack`),
signs the market department's handler in at the console as a browser does, then:
  (a) one open stream; `--events` work-order events published one by one (aiokafka, acks=all), each timed
      from just before its send to the arrival of its `data:` line: p50 / p95 / max;
  (b) `--connections` open streams of the same person; the console's resident memory before and after they
      open; one event published; how many streams received it and the time to the last of them.
Prints; asserts nothing.

    .venv/bin/python bench/console_live.py [--events 50] [--connections 200]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.dev.login import console_session
from shared.dev.stack import CONSOLE, Stack
from shared.envelope import Envelope
from shared.events.workorder import WorkOrderDispatched
from shared.topics import WORKORDER_EVENTS


def dispatched(case_number: str) -> Envelope:
    event = WorkOrderDispatched(work_order_id=str(uuid.uuid4()), case_number=case_number, department="market",
                                role="lead", tier="general", reason="bench")
    return Envelope.wrap(event, source="routing", case_id=str(uuid.uuid4()), district="demo", hall="DEMO",
                         actor="service:routing", occurred_at=datetime.now(UTC))


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Stream:
    """One open /api/live stream, noting when each case number arrives."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client, self.url = client, url
        self.opened = asyncio.Event()
        self.arrived: dict[str, float] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async with self.client.stream("GET", self.url) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("retry:"):
                    self.opened.set()
                elif line.startswith("data:"):
                    self.arrived[orjson.loads(line.removeprefix("data:"))["case_number"]] = time.perf_counter()

    async def wait_for(self, case_number: str, timeout_s: float) -> float | None:
        deadline = time.perf_counter() + timeout_s
        while case_number not in self.arrived and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
        return self.arrived.get(case_number)


async def publish(producer: AIOKafkaProducer, case_number: str) -> float:
    """The time just before the send; the send waits for the broker's acknowledgement."""
    key, value, headers = dispatched(case_number).to_kafka()
    sent_at = time.perf_counter()
    await producer.send_and_wait(WORKORDER_EVENTS, value, key=key, headers=headers)
    return sent_at


async def measure(stack: Stack, events: int, connections: int) -> None:
    console = stack.url(CONSOLE)
    cookies = console_session(console, "handler.market", "Handle#Market2026")
    producer = AIOKafkaProducer(bootstrap_servers=stack.broker.bootstrap_servers, acks="all")
    await producer.start()
    limits = httpx.Limits(max_connections=connections + 10, max_keepalive_connections=0)
    client = httpx.AsyncClient(cookies=cookies, timeout=None, limits=limits)
    try:
        first = Stream(client, f"{console}/api/live")
        await asyncio.wait_for(first.opened.wait(), 30)
        # The console reads from the newest record on: warm up until an event arrives.
        for attempt in range(30):
            await publish(producer, f"WARMUP-{attempt}")
            if await first.wait_for(f"WARMUP-{attempt}", 2.0) is not None:
                break

        latencies = []
        for index in range(events):
            number = f"LAT-{index:04d}"
            sent_at = await publish(producer, number)
            arrived = await first.wait_for(number, 10)
            if arrived is not None:
                latencies.append((arrived - sent_at) * 1000)
            await asyncio.sleep(0.05)
        latencies.sort()
        print(f"(a) bus → open stream, {len(latencies)}/{events} events arrived: "
              f"p50 {statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms, "
              f"max {latencies[-1]:.1f} ms")

        pid = stack.processes[CONSOLE].pid
        before = rss_mib(pid)
        started = time.perf_counter()
        streams = [first] + [Stream(client, f"{console}/api/live") for _ in range(connections - 1)]
        await asyncio.wait_for(asyncio.gather(*(stream.opened.wait() for stream in streams)), 120)
        opened_s = time.perf_counter() - started
        await asyncio.sleep(1)
        held = rss_mib(pid)
        sent_at = await publish(producer, "FANOUT")
        arrivals = [await stream.wait_for("FANOUT", 15) for stream in streams]
        received = sorted((at - sent_at) * 1000 for at in arrivals if at is not None)
        print(f"(b) {connections} open streams in one console process (opened in {opened_s:.1f} s): "
              f"RSS {before:.1f} MiB with one → {held:.1f} MiB with {connections} "
              f"({(held - before) * 1024 / max(connections - 1, 1):.1f} KiB a stream); "
              f"the event reached {len(received)}/{connections}: first {received[0]:.1f} ms, "
              f"p50 {statistics.median(received):.1f} ms, last {received[-1]:.1f} ms")
        for stream in streams:
            stream.task.cancel()
        await asyncio.gather(*(stream.task for stream in streams), return_exceptions=True)
    finally:
        await client.aclose()
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--connections", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-console-live-") as var_dir:
        stack = Stack(var_dir=Path(var_dir)).start([CONSOLE])
        try:
            asyncio.run(measure(stack, args.events, args.connections))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
