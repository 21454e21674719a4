"""End-to-end benchmark: an offered load of N cases/s through intake's HTTP API for a fixed time, everything
(broker, five services, this load generator) on this machine.

Reports cases/s completed (the delivered notification audited), p50/p99 latency from the POST to the
work order on the bus (register→dispatched) and to audit storing the notification (register→audited),
whether the pipeline keeps up (the completion rate once cases complete, and the latency of the first
and the last fifth of the cases posted), the CPU each process spent per case (the five services, the
broker, this load generator), and a raw-bus baseline (aiokafka produce+consume of same-sized messages
on the same broker) so the figures read as a ratio. Prints; asserts nothing.

    .venv/bin/python bench/end_to_end.py --rate 200 --duration 30
"""

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http_load import RawClient  # noqa: E402 - bench/, this script's folder
from shared.devstack import SERVICES, Stack  # noqa: E402
from shared.topics import WORKORDER_EVENTS  # noqa: E402
from tests.e2e.load import case_body, clerk_token  # noqa: E402
from tests.issuer import TokenIssuer  # noqa: E402


async def raw_bus_baseline(servers: str, *, count: int, size: int) -> tuple[float, float]:
    """Messages/s produced (acks=all) and consumed, of `size` bytes, on a fresh topic."""
    topic = f"bench.raw.{time.time_ns()}"
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=2)
    await producer.start()
    payload = b"x" * size
    started = time.perf_counter()
    futures = [await producer.send(topic, payload, key=str(i % 64).encode()) for i in range(count)]
    await asyncio.gather(*futures)
    produced = count / (time.perf_counter() - started)
    await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, auto_offset_reset="earliest", max_poll_records=1000)
    await consumer.start()
    received, started = 0, time.perf_counter()
    while received < count:
        batches = await consumer.getmany(timeout_ms=1000)
        received += sum(len(records) for records in batches.values())
    consumed = count / (time.perf_counter() - started)
    await consumer.stop()
    return produced, consumed


async def watch_dispatches(servers: str, seen: dict[str, float], stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(WORKORDER_EVENTS, bootstrap_servers=servers, auto_offset_reset="latest")
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    if dict(record.headers).get("ce_type") == b"workorder.dispatched":
                        seen.setdefault(record.key.decode(), now)
    finally:
        await consumer.stop()


async def watch_audit(database: Path, seen: dict[str, float], stop: asyncio.Event) -> None:
    """Poll audit's database (read-only, WAL) for stored delivery results: the moment a case is audited."""
    last_id = 0
    while not stop.is_set():
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            rows = db.execute(
                "SELECT id, case_id FROM audit_entry WHERE id > ? AND event_type = 'notify.delivered'", (last_id,)
            ).fetchall()
        now = time.perf_counter()
        for row_id, case_id in rows:
            last_id = max(last_id, row_id)
            seen.setdefault(case_id, now)
        await asyncio.sleep(0.02)


async def offer_load(port: int, *, token: str, rate: float, duration: float) -> tuple[dict[str, float], Counter[str]]:
    posted: dict[str, float] = {}
    authorization = f"Authorization: Bearer {token}\r\n"
    errors: Counter[str] = Counter()  # by status code, or the connection error's name
    client = RawClient(port)  # httpx cost more CPU per request than intake: the generator measured itself

    async def post(number: int) -> None:
        started = time.perf_counter()
        try:
            status, body = await client.post("/cases", json.dumps(case_body(number), ensure_ascii=False).encode(),
                                             headers=authorization)
        except (OSError, asyncio.IncompleteReadError) as error:
            errors[type(error).__name__] += 1
            return
        if status == 201:
            posted[json.loads(body)["id"]] = started
        else:
            errors[str(status)] += 1

    tasks, begin = [], time.perf_counter()
    for number in range(int(rate * duration)):
        delay = begin + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(number)))
    await asyncio.gather(*tasks)
    client.close()
    return posted, errors


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def run(stack: Stack, *, token: str, rate: float, duration: float, drain: float) -> None:
    servers = stack.broker.bootstrap_servers
    produced, consumed = await raw_bus_baseline(servers, count=20_000, size=700)
    print(f"raw bus (aiokafka, 700 B, acks=all): produce {produced:,.0f} msg/s, consume {consumed:,.0f} msg/s",
          flush=True)

    dispatched: dict[str, float] = {}
    audited: dict[str, float] = {}
    stop = asyncio.Event()
    watchers = [
        asyncio.create_task(watch_dispatches(servers, dispatched, stop)),
        asyncio.create_task(watch_audit(stack.var_dir / "audit.db", audited, stop)),
    ]
    await asyncio.sleep(2)  # the watchers have joined
    cpu_before = {name: stack.cpu_seconds(name) for name in (*SERVICES, "broker")}
    generator_before = time.process_time()
    begin = time.perf_counter()
    posted, errors = await offer_load(stack.ports["intake"], token=token, rate=rate, duration=duration)
    offered_for = time.perf_counter() - begin
    deadline = time.perf_counter() + drain
    while time.perf_counter() < deadline and not set(posted) <= set(audited):
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*watchers)
    cpu = {name: stack.cpu_seconds(name) - cpu_before[name] for name in SERVICES}
    broker_cpu = stack.cpu_seconds("broker") - cpu_before["broker"]
    generator_cpu = time.process_time() - generator_before

    done = [case for case in posted if case in audited]
    span = max(audited[c] for c in done) - min(posted[c] for c in done) if done else float("nan")
    to_dispatch = [(dispatched[c] - posted[c]) * 1000 for c in posted if c in dispatched]
    to_audit = [(audited[c] - posted[c]) * 1000 for c in done]
    print(f"offered {rate:.0f} cases/s for {duration:.0f} s: posted {len(posted)} in {offered_for:.1f} s, "
          f"{sum(errors.values())} errors {dict(errors) or ''}")
    print(f"completed (audited) {len(done)}/{len(posted)}: {len(done) / span:,.1f} cases/s end to end")
    if len(done) > 10:
        # The figure above divides by the offered time plus the last case's whole latency, so at an offered
        # rate it stays below that rate however well the pipeline keeps up. Whether it keeps up shows in how
        # fast cases complete once the first has (from the first completion to the last) and in whether the
        # latency grows from the first fifth of the cases posted to the last.
        finished = sorted(audited[c] for c in done)
        by_post = sorted(done, key=posted.__getitem__)
        fifth = len(by_post) // 5
        early, late = ([(audited[c] - posted[c]) * 1000 for c in part] for part in (by_post[:fifth], by_post[-fifth:]))
        print(f"completing at {(len(finished) - 1) / (finished[-1] - finished[0]):,.1f} cases/s from the first to the last; "
              f"register→audited p50 {statistics.median(early):.0f} ms in the first fifth posted, "
              f"{statistics.median(late):.0f} ms in the last")
    if to_dispatch:
        print(f"register→dispatched p50 {percentile(to_dispatch, 50):.0f} ms  p99 {percentile(to_dispatch, 99):.0f} ms")
    if to_audit:
        print(f"register→audited    p50 {percentile(to_audit, 50):.0f} ms  p99 {percentile(to_audit, 99):.0f} ms")
        print(f"ratio: end-to-end cases/s ÷ raw-bus consume msg/s = {len(done) / span / consumed:.4f}")
    # CPU per case holds when the machine's other load makes the rates noisy.
    per_case = "  ".join(f"{name} {seconds * 1000 / max(len(posted), 1):.2f}" for name, seconds in cpu.items())
    print(f"CPU ms per posted case: {per_case}  (total {sum(cpu.values()) * 1000 / max(len(posted), 1):.2f})")
    # The rest of what shares the two cores: the broker, and this process (load, watchers); the load average.
    print(f"and: broker {broker_cpu * 1000 / max(len(posted), 1):.2f}, load generator "
          f"{generator_cpu * 1000 / max(len(posted), 1):.2f} ms per case; load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="offered cases per second")
    parser.add_argument("--duration", type=float, default=30, help="seconds of offered load")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for stragglers")
    parser.add_argument("--print-pids", action="store_true",
                        help="print each service's process id once started (to attach py-spy to it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bancheng-bench-") as directory:
        issuer = TokenIssuer().start()  # the services trust it; the load posts as a window clerk of hall FT
        stack = Stack(var_dir=Path(directory), issuer=issuer.url).start()
        if args.print_pids:
            print("pids:", " ".join(f"{name}={process.pid}" for name, process in stack.processes.items()), flush=True)
        try:
            asyncio.run(run(stack, token=clerk_token(issuer), rate=args.rate, duration=args.duration, drain=args.drain))
        finally:
            stack.stop()
            issuer.stop()


if __name__ == "__main__":
    main()
