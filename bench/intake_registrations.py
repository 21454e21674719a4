"""Registrations on intake alone: throughput (closed loop) and latency at a fixed offered load (open loop).

Starts the dev broker and one intake process (SQLite, the embedded default, or PostgreSQL) and
drives POST /cases with `forward: true` (register + accept + forward: 4 outbox rows per request)
over HTTP from this process. Latency in the open loop is measured from each request's scheduled
send time, so a server that falls behind shows it. Prints figures; asserts nothing.

The client is bench/http_load.py's raw HTTP/1.1 keep-alive client, not httpx (which cost more CPU per
request than intake does). Intake's CPU
time per registration is read from /proc for the phase, so a machine shared with other work still
gives a comparable figure.

Every request carries a window clerk's bearer token of a test issuer this script starts (tests/issuer.py);
authentication's own CPU per request is printed beside the totals, measured as bench/auth_verify.py does
(the verifier in this process, its keys cached, as intake's are).

    .venv/bin/python bench/intake_registrations.py [--total 3000] [--concurrency 32] [--rate 300]
        [--seconds 10] [--idempotency-keys] [--postgres]
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import httpx
from auth_verify import cpu_per_verification  # bench/, this script's folder
from http_load import RawClient

from shared import db
from shared.auth.settings import AuthSettings
from shared.auth.tokens import TokenVerifier
from shared.dev.broker import DevBroker, free_port
from tests.issuer import TokenIssuer

BODY = {
    "hall": "FT", "channel": "walk_in", "problem_kind": "missing_materials", "matter_code": "lease_filing",
    "description": "租赁备案缺银行同意函,孩子入学急需租赁凭证",
    "applicant": {"kind": "person", "name": "张三", "phone": "13812345678", "id_type": "resident_id",
                  "id_number": "11010519491231002X"},
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432"
# The checkout this file is in: a worktree's intake is benchmarked, not the one the venv installed.
CHECKOUT = Path(__file__).resolve().parent.parent


def start_intake(var: Path, broker: DevBroker, database_url: str, issuer: TokenIssuer) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, **issuer.env(),
           "BANCHENG_INTAKE_PORT": str(port), "BANCHENG_INTAKE_LOG_LEVEL": "WARNING",
           "BANCHENG_INTAKE_DATABASE_URL": database_url}
    log = open(var / "intake.log", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen([sys.executable, "-m", "services.intake"], cwd=CHECKOUT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit("error: intake did not become ready within 60 s")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Registrations:
    """POST /cases with the same body, optionally each with its own Idempotency-Key."""

    def __init__(self, port: int, *, token: str, idempotency_keys: bool) -> None:
        self._client = RawClient(port)
        self._authorization = f"Authorization: Bearer {token}\r\n"
        self._body = json.dumps(BODY, ensure_ascii=False).encode()
        self._keys = count() if idempotency_keys else None
        self._run = os.urandom(4).hex()  # keys stay unique across runs against one database

    async def post(self) -> int:
        key = f"Idempotency-Key: bench-{self._run}-{next(self._keys)}\r\n" if self._keys else ""
        status, _body = await self._client.post("/cases", self._body, headers=self._authorization + key)
        return status

    def close(self) -> None:
        self._client.close()


@dataclass
class Phase:
    """What a phase cost: wall time, intake's CPU, this load generator's CPU."""

    pid: int
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def __enter__(self) -> "Phase":
        self._start = (time.perf_counter(), cpu_seconds(self.pid), time.process_time())
        return self

    def __exit__(self, *_exc: object) -> None:
        wall, server, client = self._start
        self.wall_s = time.perf_counter() - wall
        self.server_cpu_s = cpu_seconds(self.pid) - server
        self.client_cpu_s = time.process_time() - client

    def per_request(self, requests: int) -> str:
        return (f"intake CPU {1000 * self.server_cpu_s / requests:.2f} ms/registration, "
                f"load generator CPU {1000 * self.client_cpu_s / requests:.2f} ms/request")


async def closed_loop(client: Registrations, *, total: int, concurrency: int) -> int:
    remaining = iter(range(total))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for _ in remaining:
            if await client.post() != 201:
                failures += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


async def open_loop(client: Registrations, *, rate: float, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    start = time.perf_counter() + 0.1

    async def one(scheduled: float) -> None:
        nonlocal failures
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        try:
            ok = await client.post() == 201
        except (OSError, asyncio.IncompleteReadError):  # an overloaded server drops connections: a failure
            ok = False
        if ok:
            latencies.append(time.perf_counter() - scheduled)
        else:
            failures += 1

    await asyncio.gather(*(one(start + i / rate) for i in range(int(rate * seconds))))
    return latencies, failures


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else values[0]


async def run(args: argparse.Namespace, pid: int, port: int, issuer: TokenIssuer) -> None:
    token = issuer.token("window_clerk", hall="FT", name="窗口 王敏")
    client = Registrations(port, token=token, idempotency_keys=args.idempotency_keys)
    try:
        auth = await cpu_per_verification(TokenVerifier(AuthSettings(issuer=issuer.url)), token, 2000)
        print(f"authentication: {auth * 1000:.3f} ms CPU per request (token verified, keys cached; target ≤ 0.3 ms)")
        await closed_loop(client, total=200, concurrency=8)  # warm-up: connections, caches, first-call paths
        with Phase(pid) as phase:
            failed = await closed_loop(client, total=args.total, concurrency=args.concurrency)
        print(f"closed loop: {args.total} registrations, concurrency {args.concurrency}: "
              f"{args.total / phase.wall_s:,.0f} registrations/s ({failed} failed); {phase.per_request(args.total)}")
        with Phase(pid) as phase:
            latencies, failed = await open_loop(client, rate=args.rate, seconds=args.seconds)
        ms = [v * 1000 for v in latencies] or [float("nan")]
        print(f"open loop: {args.rate:.0f}/s offered for {args.seconds:.0f} s ({len(ms)} requests, {failed} failed): "
              f"p50 {percentile(ms, 0.50):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms; "
              f"{phase.per_request(len(ms) + failed)}")
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--idempotency-keys", action="store_true", help="send a fresh Idempotency-Key each time")
    parser.add_argument("--postgres", action="store_true",
                        help=f"a fresh database on {POSTGRES} (dropped afterwards) instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        var = Path(tmp)
        name = f"bench_intake_{os.urandom(4).hex()}"
        database_url = f"{POSTGRES}/{name}" if args.postgres else f"sqlite+aiosqlite:///{var / 'intake.db'}"
        broker = DevBroker(log_path=var / "broker.log").start()
        issuer = TokenIssuer().start()
        process, port = start_intake(var, broker, database_url, issuer)
        try:
            asyncio.run(run(args, process.pid, port, issuer))
        finally:
            process.terminate()
            process.wait(timeout=15)
            broker.stop()
            issuer.stop()
            if args.postgres:
                asyncio.run(db.drop_postgres_database(database_url))


if __name__ == "__main__":
    main()
