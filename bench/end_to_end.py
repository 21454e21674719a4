"""End-to-end benchmark: an offered load of N cases/s through intake's HTTP API for a fixed time, everything
(broker, five services, this load generator) on this machine.

Reports cases/s completed (the delivered notification audited), p50/p99 latency from the POST to the
work order on the bus (register→dispatched) and to audit storing the notification (register→audited),
whether the pipeline keeps up (the completion rate once cases complete, and the latency of the first
and the last fifth of the cases posted), the CPU each process spent per case (the five services, the
broker, this load generator), and a raw-bus baseline (aiokafka produce+consume of same-sized messages
on the same broker) so the figures read as a ratio. Prints; asserts nothing.

    .venv/bin/python bench/end_to_end.py --rate 200 --duration 30

`--trace-to otlp` turns tracing on in every service (OTEL_* settings, docs/tracing.md), exporting by
OTLP/HTTP to a receiver of its own in another process (tests/otlp_receiver.py, standing in for a collector),
and also prints the spans received and the receiver's CPU per case. `bench/tracing_cost.py` runs both ways.
"""

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http_load import RawClient

from shared.dev.broker import free_port
from shared.dev.stack import SERVICES, Stack
from shared.settings import REPO_ROOT
from shared.topics import WORKORDER_EVENTS
from tests.e2e.load import case_body, clerk_token
from tests.issuer import TokenIssuer


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


class SpanSink:
    """Where the services export spans with `--trace-to otlp`: the OTLP receiver as a process of its own,
    counting what it is sent, its CPU reported apart (as a collector's would be)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "tests.otlp_receiver", "--port", str(self.port)],
                                        cwd=REPO_ROOT)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.counts()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the OTLP receiver did not start") from None
                time.sleep(0.1)

    def environment(self, ratio: float | None = None) -> dict[str, str]:
        """OTEL_* settings exporting here; with `ratio`, that share of the cases' traces sampled."""
        sampler = (
            {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": str(ratio)} if ratio else {}
        )
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", **sampler}

    def counts(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/count", timeout=5) as reply:
            return json.loads(reply.read())

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


async def run(
    stack: Stack, *, token: str, rate: float, duration: float, drain: float, sink: SpanSink | None = None,
) -> dict[str, float]:
    """Offer the load, print the figures, and return the main ones (for `bench/tracing_cost.py`)."""
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
    sink_before = sink.cpu_seconds() if sink else 0.0
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
    sink_cpu = sink.cpu_seconds() - sink_before if sink else 0.0

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
        print(
            f"completing at {(len(finished) - 1) / (finished[-1] - finished[0]):,.1f} cases/s "
            "from the first to the last; "
            f"register→audited p50 {statistics.median(early):.0f} ms in the first fifth posted, "
            f"{statistics.median(late):.0f} ms in the last"
        )
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
    summary = {
        "posted": len(posted), "completed": len(done), "errors": sum(errors.values()),
        "cases_per_s": len(done) / span if done else 0.0,
        "completing_per_s": (len(done) - 1) / (max(audited[c] for c in done) - min(audited[c] for c in done))
        if len(done) > 1 else 0.0,
        "audited_p50_ms": percentile(to_audit, 50) if to_audit else float("nan"),
        "audited_p99_ms": percentile(to_audit, 99) if to_audit else float("nan"),
        "dispatched_p50_ms": percentile(to_dispatch, 50) if to_dispatch else float("nan"),
        "services_cpu_ms": sum(cpu.values()) * 1000 / max(len(posted), 1),
        "broker_cpu_ms": broker_cpu * 1000 / max(len(posted), 1),
        **{f"{name}_cpu_ms": seconds * 1000 / max(len(posted), 1) for name, seconds in cpu.items()},
    }
    if sink:
        await asyncio.sleep(6)  # spans still in the services' batch processors (OTEL_BSP_SCHEDULE_DELAY, 5 s)
        counts = sink.counts()
        summary.update(
            spans=counts["spans"], traces=counts["traces"], sink_cpu_ms=sink_cpu * 1000 / max(len(posted), 1)
        )
        print(f"traced: {counts['spans']:,} spans in {counts['traces']:,} traces received by OTLP "
              f"({counts['spans'] / max(len(posted), 1):.1f} a case); the receiver "
              f"{summary['sink_cpu_ms']:.2f} ms CPU per case")
    return summary


def bench(*, rate: float, duration: float, drain: float, trace_to: str | None = None,
          ratio: float | None = None, print_pids: bool = False) -> dict[str, float]:
    """One run on a fresh stack (and, tracing, a fresh span sink); the figures `run` returns."""
    sink = SpanSink() if trace_to == "otlp" else None
    issuer = TokenIssuer().start()  # the services trust it; the load posts as a window clerk of hall FT
    try:
        with tempfile.TemporaryDirectory(prefix="bancheng-bench-") as directory:
            stack = Stack(var_dir=Path(directory), issuer=issuer.url,
                          extra_env=sink.environment(ratio) if sink else {}).start()
            if print_pids:
                print("pids:", " ".join(f"{name}={process.pid}" for name, process in stack.processes.items()),
                      flush=True)
            try:
                return asyncio.run(run(stack, token=clerk_token(issuer), rate=rate, duration=duration, drain=drain,
                                       sink=sink))
            finally:
                stack.stop()
    finally:
        issuer.stop()
        if sink:
            sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="offered cases per second")
    parser.add_argument("--duration", type=float, default=30, help="seconds of offered load")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for stragglers")
    parser.add_argument("--print-pids", action="store_true",
                        help="print each service's process id once started (to attach py-spy to it)")
    parser.add_argument("--trace-to", choices=["otlp"],
                        help="trace every service, exporting by OTLP/HTTP to a receiver of the bench's own")
    parser.add_argument("--sample-ratio", type=float,
                        help="with --trace-to: record this share of the traces (parentbased_traceidratio), not all")
    args = parser.parse_args()
    bench(rate=args.rate, duration=args.duration, drain=args.drain, trace_to=args.trace_to, ratio=args.sample_ratio,
          print_pids=args.print_pids)


if __name__ == "__main__":
    main()
