"""Notifications per second, from work-order events on the bus to delivered on a local webhook sink.

Starts the dev broker, a webhook sink (uvicorn, its own process) and notify as N processes of its own
(`python -m services.notify`, default 1) on one database: SQLite, or with `--postgres` a throwaway
PostgreSQL database dropped afterwards. Publishes `--events` `workorder.dispatched` events (one case
each) whose district rule sends one signed webhook to the lead department, and times first publish
→ every delivery reported delivered (`notify.delivered` on notify's results topic, which the bench reads).

Beside wall-clock throughput it prints CPU time per notification: notify's processes' together (and each
one's when there are several), the sink's, the broker's, this bench's own (publishing the events and
counting deliveries) and PostgreSQL's backends', which serve notify alone here; and notify's CPU while
idle; and the machine's pace before and after the run (a fixed piece of pure CPU work, timed) and the
share of its CPU time the host took meanwhile (steal): the host's other tenants slowed this machine 2.3×
within one morning, and every figure with it. On a
shared machine the wall figure is noisy; the CPU figure is what a change to notify moves.
Notify runs in processes of its own so that `py-spy record --pid` sees notify alone (the pids are printed).

`--history N` first stores N delivered notifications, as a database months in service holds them: what
a dispatch pass, or an idle poll, costs must not grow with them.

    .venv/bin/python bench/notify_throughput.py [--events 10000] [--postgres] [--processes N] [--history N]
"""

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parent.parent
# Measure the checkout this file lives in, not the one the virtualenv's editable install points at.
sys.path.insert(0, str(ROOT))

from shared import db
from shared.dev.broker import DevBroker, free_port
from shared.envelope import Envelope
from shared.events.notification import (
    NotificationDelivered,
    NotificationRequested,
    RequestedMessage,
    seal_message,
)
from shared.events.sla import DeadlineArmed
from shared.events.workorder import WorkOrderDispatched
from shared.personal_data import get_keyring
from shared.topics import NOTIFY_RESULTS, SLA_EVENTS, WORKORDER_EVENTS
from services.notify.config import NotifySettings
from services.notify.store.personal_data import seal_request

IDLE_S = 3.0
WARM_UP_EVENTS = 64  # over every partition: each process has joined its groups and touched its tables

SINK = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def data_dir(root: Path) -> Path:
    from services.notify.domain.config_files import DATA_DIR

    root.mkdir(parents=True)
    shutil.copy(DATA_DIR / "templates.yaml", root / "templates.yaml")
    return root


def packs_dir(root: Path, sink_url: str) -> Path:
    """The shipped district packs, the demo district's dispatches sent to the sink's webhook."""
    from shared.districts import PACKS_DIR

    shutil.copytree(PACKS_DIR, root)
    rules = {"rules": [{"event": "workorder.dispatched", "notify": [
        {"audience": "lead_department", "channels": ["webhook"], "template": "workorder_dispatched_department"}]}]}
    (root / "demo" / "notify.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    catalogue = yaml.safe_load((root / "demo" / "catalogue.yaml").read_text(encoding="utf-8"))
    for department in catalogue["departments"]:
        if department["code"] == "market":
            department["contact"] = {"webhook": sink_url}
    (root / "demo" / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    return root


def delivery_table():
    from services.notify.store import tables

    return tables.Delivery.__table__


class Delivered:
    """The deliveries notify reports delivered (`notify.delivered` on its results topic), counted as they come:
    polling the table for them would read its whole history each time (`--history`)."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._consumer = AIOKafkaConsumer(NOTIFY_RESULTS, bootstrap_servers=bootstrap_servers,
                                          auto_offset_reset="earliest", enable_auto_commit=False)
        self._ids: set[bytes] = set()  # event ids: a result published twice counts once
        self._task: asyncio.Task[None] | None = None

    @property
    def count(self) -> int:
        return len(self._ids)

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._count())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._consumer.stop()

    async def _count(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=20)).values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_type") == NotificationDelivered.type.encode():
                        self._ids.add(headers["ce_id"])


async def attempt_figures(engine: AsyncEngine) -> tuple[int, list[str]]:
    table = delivery_table()
    async with engine.connect() as connection:
        attempts = await connection.scalar(select(func.sum(table.c.attempts)))
        errors = (await connection.execute(
            select(table.c.last_error).where(table.c.last_error.is_not(None)).distinct().limit(3))).scalars().all()
    return attempts or 0, list(errors)


async def store_history(url: str, count: int) -> None:
    """`count` delivered notifications of earlier cases, as months in service leave them."""
    table, now, engine = delivery_table(), datetime.now(UTC), create_async_engine(url)
    keyring = get_keyring(environment=NotifySettings().environment)  # as the notify processes read it
    try:
        for first in range(0, count, 10_000):
            rows = []
            for number in range(first, min(first + 10_000, count)):
                delivery_id = f"history-{number}"
                request = NotificationRequested(
                    delivery_id=delivery_id,
                    channel="webhook",
                    recipient="department:market",
                    template="workorder_dispatched_department",
                    sealed_message=seal_message(
                        keyring, RequestedMessage(subject="s", body="b"), delivery_id=delivery_id
                    ),
                    trigger_event_id=f"history-event-{number}",
                )
                envelope = Envelope.wrap(
                    request, source="notify", case_id=f"history-{number}", district="demo", actor="service:notify"
                )
                rows.append(
                    {
                        "delivery_id": delivery_id,
                        "case_id": envelope.case_id,
                        "channel": "webhook",
                        "recipient": request.recipient,
                        "template": request.template,
                        "event_type": "workorder.dispatched",
                        "state": "delivered",
                        "attempts": 1,
                        "due_at": None,
                        "last_error": None,
                        "created_at": now,
                        "request": seal_request(keyring, envelope.model_dump_json(), delivery_id=delivery_id),
                        "delivered_at": now,
                    }
                )
            async with engine.begin() as connection:
                await connection.execute(insert(table), rows)
    finally:
        await engine.dispose()


async def publish(producer: AIOKafkaProducer, first: int, count: int) -> None:
    """Each work order dispatched, then its deadline armed (as sla would): the department's notice waits for it."""
    sends = []
    due_at = datetime.now(UTC) + timedelta(days=3)
    for number in range(first, first + count):
        event = WorkOrderDispatched(
            work_order_id=f"wo-{number}",
            case_number=f"BENCH-{number:06d}",
            department="market",
            role="lead",
            tier="general",
            reason="bench",
        )
        armed = DeadlineArmed(subject="work_order", subject_id=f"wo-{number}", department="market", tier="general",
                              due_at=due_at)
        for topic, published in ((WORKORDER_EVENTS, event), (SLA_EVENTS, armed)):
            envelope = Envelope.wrap(published, source="routing", case_id=f"case-{number}", district="demo",
                                     actor="bench")
            key, value, headers = envelope.to_kafka()
            sends.append(await producer.send(topic, value, key=key, headers=headers))
    await asyncio.gather(*sends)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends_cpu(database: str) -> float:
    """CPU of the PostgreSQL backends serving `database` (their command line names it)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f" {database} " in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or another user's
    return total


async def wait_for(delivered: Delivered, count: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while delivered.count < count and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return delivered.count


def machine_pace() -> float:
    """µs this process takes to wrap, encode and decode one envelope (best of five rounds): pure CPU, to tell
    what the machine gave at the time of a run. Within one hour on 2026-12-05 the same tree's
    bench/consumer_path.py read 83 and 139 µs of CPU an event on this 2-core machine (the host's other
    tenants), and notify's throughput moved with it."""
    event = WorkOrderDispatched(
        work_order_id="wo-pace",
        case_number="PACE-000001",
        department="market",
        role="lead",
        tier="general",
        reason="pace",
    )
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(2000):
            envelope = Envelope.wrap(event, source="routing", case_id="case-pace", district="demo", actor="bench")
            key, value, headers = envelope.to_kafka()
            Envelope.from_kafka(value, headers).event()
        best = min(best, (time.perf_counter() - started) / 2000 * 1e6)
    return best


def cpu_ticks() -> tuple[int, int]:
    """(steal, all) clock ticks of this machine's CPUs since boot (/proc/stat): steal is time the hypervisor
    gave this virtual machine's CPUs to others while they had work."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[7], sum(fields[:8])


async def idle_cpu(pids: list[int], *, seconds: float) -> float:
    """CPU seconds a second that notify's processes spend with nothing to do (polling for due deliveries)."""
    before = sum(cpu_seconds(pid) for pid in pids)
    await asyncio.sleep(seconds)
    return (sum(cpu_seconds(pid) for pid in pids) - before) / seconds


def wait_http(url: str, *, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            raise SystemExit(f"{url} did not answer")
        time.sleep(0.1)


async def run(args: argparse.Namespace, work: Path, broker: DevBroker, sink_port: int, env: dict[str, str]) -> None:
    # Migrated once up front: N processes starting together would race to create the tables.
    subprocess.run([sys.executable, "-m", "services.notify", "migrate"], cwd=ROOT, env=env, check=True)
    if args.history:
        await store_history(env["BANCHENG_NOTIFY_DATABASE_URL"], args.history)
    notify = []
    for index in range(args.processes):
        port = free_port()
        log = (work / f"notify-{index}.log").open("wb")
        notify.append(
            subprocess.Popen(
                [sys.executable, "-m", "services.notify", "serve"],
                cwd=ROOT,
                env={**env, "BANCHENG_NOTIFY_PORT": str(port)},
                stdout=log,
                stderr=log,
            )
        )
        notify[-1].port = port  # type: ignore[attr-defined]  # the bench's note on the Popen
    engine = create_async_engine(env["BANCHENG_NOTIFY_DATABASE_URL"])
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, linger_ms=5)
    delivered = Delivered(broker.bootstrap_servers)
    try:
        for process in notify:
            wait_http(f"http://127.0.0.1:{process.port}/readyz", timeout_s=60, process=process)
        print(f"notify pids: {' '.join(str(p.pid) for p in notify)} (py-spy record --pid <pid>)", flush=True)
        await delivered.start()  # notify made its topics before it answered
        await producer.start()
        await publish(producer, 0, WARM_UP_EVENTS)
        if await wait_for(delivered, WARM_UP_EVENTS, 120) < WARM_UP_EVENTS:
            logs = "".join(log.read_text(errors="replace")[-2000:] for log in sorted(work.glob("notify-*.log")))
            raise SystemExit(f"warm-up not delivered; notify's logs end:\n{logs}")
        database = env["BANCHENG_NOTIFY_DATABASE_URL"].rsplit("/", 1)[1]
        others = {
            "sink": lambda: cpu_seconds(sink_pid(work)),
            "broker": lambda: cpu_seconds(broker.process.pid),
            "bench": lambda: cpu_seconds(os.getpid()),
            **{f"notify-{index}": lambda p=process: cpu_seconds(p.pid) for index, process in enumerate(notify)},
        }
        if args.postgres:
            others["postgres"] = lambda: postgres_backends_cpu(database)
        idle = await idle_cpu([process.pid for process in notify], seconds=IDLE_S)
        pace_before = machine_pace()
        ticks_before = cpu_ticks()
        cpu_before = {name: read() for name, read in others.items()}
        started = time.perf_counter()
        await publish(producer, WARM_UP_EVENTS, args.events)
        done = await wait_for(delivered, WARM_UP_EVENTS + args.events, 600) - WARM_UP_EVENTS
        elapsed = time.perf_counter() - started
        cpu = {name: read() - cpu_before[name] for name, read in others.items()}
        steal, ticks = (after - before for after, before in zip(cpu_ticks(), ticks_before, strict=True))
        pace_after = machine_pace()
        attempts, errors = await attempt_figures(engine)
        attempts -= args.history
    finally:
        await producer.stop()
        await delivered.stop()
        await engine.dispose()
        for process in notify:
            process.send_signal(signal.SIGTERM)
        for process in notify:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"notify: {done} of {args.events} notifications event → delivered (webhook) in {elapsed:.2f} s: "
        f"{done / elapsed:,.0f}/s ({kind}, {args.processes} notify process(es), dev broker"
        + (f", {args.history:,} delivered before" if args.history else "")
        + ")"
    )
    print(f"  attempts: {attempts} for {WARM_UP_EVENTS + args.events} deliveries; last errors seen: {errors or 'none'}")
    per = max(done, 1)
    each = [seconds for name, seconds in cpu.items() if name.startswith("notify-")]
    figures = {
        "notify": sum(each),
        **{name: seconds for name, seconds in cpu.items() if not name.startswith("notify-")},
    }
    print(
        "  CPU per notification: "
        + ", ".join(f"{name} {1000 * seconds / per:.2f} ms" for name, seconds in figures.items())
        + (
            f" (notify's processes: {' + '.join(f'{1000 * seconds / per:.2f}' for seconds in each)})"
            if len(each) > 1
            else ""
        )
    )
    print(f"  idle, before the run: notify {1000 * idle:.0f} ms CPU a second")
    print(
        f"  machine's pace (machine_pace): {pace_before:.1f} µs before the run, {pace_after:.1f} after; "
        f"the host took {100 * steal / max(ticks, 1):.0f} % of this machine's CPU time during the run (steal)"
    )
    print(f"  load average: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")


def sink_pid(work: Path) -> int:
    return int((work / "sink.pid").read_text())


async def main(args: argparse.Namespace) -> None:
    if args.processes > 1 and not args.postgres:
        raise SystemExit("several notify processes share a database on PostgreSQL only: add --postgres")
    work = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    (work / "sink.py").write_text(SINK)
    port = free_port()
    # A bare ASGI app on uvicorn's C parser: its CPU is printed below, a fraction of notify's. Connections
    # are kept alive past any pause in the run, so the sink never closes one just as notify reuses it.
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "sink:app",
            "--port",
            str(port),
            "--http",
            "httptools",
            "--timeout-keep-alive",
            "300",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=work,
    )
    (work / "sink.pid").write_text(str(sink.pid))
    database = f"bancheng_bench_notify_{uuid.uuid4().hex[:8]}"
    url = (
        f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
        if args.postgres
        else f"sqlite+aiosqlite:///{work}/notify.db"
    )
    try:
        if args.postgres:
            await db.ensure_postgres_database(url)
        env = {
            **os.environ,
            "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "BANCHENG_NOTIFY_DATABASE_URL": url,
            "BANCHENG_NOTIFY_DATA_DIR": str(data_dir(work / "data")),
            "BANCHENG_DISTRICTS_DIR": str(packs_dir(work / "packs", f"http://127.0.0.1:{port}/hook")),
            "BANCHENG_NOTIFY_LOG_LEVEL": os.environ.get("BANCHENG_NOTIFY_LOG_LEVEL", "WARNING"),
        }
        wait_http(f"http://127.0.0.1:{port}/hook", timeout_s=30, process=sink)
        await run(args, work, broker, port, env)
    finally:
        sink.terminate()
        sink.wait()
        broker.stop()
        if args.postgres:
            await db.drop_postgres_database(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="one throwaway PostgreSQL database (127.0.0.1:5432)")
    parser.add_argument("--processes", type=int, default=1, help="notify processes sharing the database")
    parser.add_argument("--history", type=int, default=0, help="delivered notifications stored before the run")
    asyncio.run(main(parser.parse_args()))
