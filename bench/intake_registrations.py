"""Registrations on intake alone: throughput (closed loop) and latency at a fixed offered load (open loop).

Starts the dev broker and one intake process (SQLite, the embedded default) and drives POST /cases
with `forward: true` (register + accept + forward: 4 outbox rows per request) over HTTP from this
process. Latency in the open loop is measured from each request's scheduled send time, so a server
that falls behind shows it. Prints figures; asserts nothing.

    .venv/bin/python bench/intake_registrations.py [--total 3000] [--concurrency 32] [--rate 300] [--seconds 10]
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from shared.devbroker import DevBroker, free_port
from shared.settings import REPO_ROOT

BODY = {
    "hall": "FT", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": "lease_filing",
    "description": "租赁备案缺银行同意函,孩子入学急需租赁凭证",
    "applicant": {"kind": "person", "name": "张三", "phone": "13812345678", "id_type": "resident_id",
                  "id_number": "11010519491231002X"},
}


def start_intake(var: Path, broker: DevBroker) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
           "BANCHENG_INTAKE_PORT": str(port), "BANCHENG_INTAKE_LOG_LEVEL": "WARNING",
           "BANCHENG_INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{var / 'intake.db'}"}
    log = open(var / "intake.log", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen([sys.executable, "-m", "services.intake"], cwd=REPO_ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit("error: intake did not become ready within 60 s")


async def closed_loop(client: httpx.AsyncClient, *, total: int, concurrency: int) -> tuple[float, int]:
    remaining = iter(range(total))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for _ in remaining:
            if (await client.post("/cases", json=BODY)).status_code != 201:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started), failures


async def open_loop(client: httpx.AsyncClient, *, rate: float, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    start = time.perf_counter() + 0.1

    async def one(scheduled: float) -> None:
        nonlocal failures
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        try:
            ok = (await client.post("/cases", json=BODY)).status_code == 201
        except httpx.HTTPError:  # an overloaded server resets connections: a failure, not a crash
            ok = False
        if ok:
            latencies.append(time.perf_counter() - scheduled)
        else:
            failures += 1

    await asyncio.gather(*(one(start + i / rate) for i in range(int(rate * seconds))))
    return latencies, failures


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else values[0]


async def run(args: argparse.Namespace, url: str) -> None:
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        await closed_loop(client, total=200, concurrency=8)  # warm-up: connections, caches, JIT-free paths
        throughput, failed = await closed_loop(client, total=args.total, concurrency=args.concurrency)
        print(f"closed loop: {args.total} registrations, concurrency {args.concurrency}: "
              f"{throughput:,.0f} registrations/s ({failed} failed)")
        latencies, failed = await open_loop(client, rate=args.rate, seconds=args.seconds)
        ms = [v * 1000 for v in latencies] or [float("nan")]
        print(f"open loop: {args.rate:.0f}/s offered for {args.seconds:.0f} s ({len(ms)} requests, {failed} failed): "
              f"p50 {percentile(ms, 0.50):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        var = Path(tmp)
        broker = DevBroker(log_path=var / "broker.log").start()
        process, url = start_intake(var, broker)
        try:
            asyncio.run(run(args, url))
        finally:
            process.terminate()
            process.wait(timeout=15)
            broker.stop()


if __name__ == "__main__":
    main()
