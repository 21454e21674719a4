"""Notifications per second, from work-order events on the bus to delivered on a local webhook sink.

Starts the dev broker, a webhook sink (uvicorn, its own process) and notify in this process on SQLite;
publishes N `workorder.dispatched` events (one case each) whose district rule sends one signed webhook
to the lead department, and times first publish → N deliveries recorded as delivered.

Beside wall-clock throughput it prints CPU time per notification: this process's (notify, plus the
publishing, measured apart and subtracted), the sink's and the broker's. On a shared machine the
wall figure is noisy; the CPU figure is what a change to notify moves.

    .venv/bin/python bench/notify_throughput.py [--events 10000]
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from aiokafka import AIOKafkaProducer
from sqlalchemy import func
from sqlmodel import select

# Measure the checkout this file lives in, not the one the virtualenv's editable install points at.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.devbroker import DevBroker, free_port  # noqa: E402 - after the path above
from shared.envelope import Envelope  # noqa: E402
from shared.events.workorder import WorkOrderDispatched  # noqa: E402
from shared.topics import WORKORDER_EVENTS  # noqa: E402

SINK = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def data_dir(root: Path, sink_url: str) -> Path:
    from services.notify.domain.config_files import DATA_DIR

    (root / "districts").mkdir(parents=True)
    shutil.copy(DATA_DIR / "templates.yaml", root / "templates.yaml")
    district = {
        "district": "bench",
        "rules": [{"event": "workorder.dispatched", "notify": [
            {"audience": "lead_department", "channels": ["webhook"], "template": "workorder_dispatched_department"}]}],
        "contacts": {"departments": {"SCJGJ": {"name": "市场监管局", "webhook": sink_url}}},
    }
    (root / "districts" / "bench.yaml").write_text(yaml.safe_dump(district, allow_unicode=True), encoding="utf-8")
    return root


async def delivered(runtime) -> int:
    from services.notify import store

    async with runtime.sessions() as session:
        query = select(func.count()).select_from(store.Delivery).where(store.Delivery.state == "delivered")
        return (await session.exec(query)).one()


async def attempt_figures(runtime) -> tuple[int, list[str]]:
    from services.notify import store

    async with runtime.sessions() as session:
        attempts = (await session.exec(select(func.sum(store.Delivery.attempts)))).one()
        errors = (await session.exec(select(store.Delivery.last_error).where(store.Delivery.last_error != None).distinct().limit(3))).all()  # noqa: E711
    return attempts or 0, list(errors)


async def publish(producer: AIOKafkaProducer, first: int, count: int) -> None:
    sends = []
    for number in range(first, first + count):
        event = WorkOrderDispatched(work_order_id=f"wo-{number}", case_number=f"BENCH-{number:06d}",
                                    department="SCJGJ", role="lead", tier="general", reason="bench")
        envelope = Envelope.wrap(event, source="routing", case_id=f"case-{number}", district="bench", actor="bench")
        key, value, headers = envelope.to_kafka()
        sends.append(await producer.send(WORKORDER_EVENTS, value, key=key, headers=headers))
    await asyncio.gather(*sends)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of another process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_for(runtime, count: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (done := await delivered(runtime)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return done


async def main(events: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    broker = DevBroker(log_path=work / "broker.log").start()
    (work / "sink.py").write_text(SINK)
    port = free_port()
    # A bare ASGI app on uvicorn's C parser: its CPU is printed below, a fraction of notify's. Connections
    # are kept alive past any pause in the run, so the sink never closes one just as notify reuses it.
    sink = subprocess.Popen([sys.executable, "-m", "uvicorn", "sink:app", "--port", str(port), "--http", "httptools",
                             "--timeout-keep-alive", "300", "--log-level", "warning", "--no-access-log"], cwd=work)
    try:
        os.environ.update({
            "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
            "BANCHENG_NOTIFY_DATABASE_URL": f"sqlite+aiosqlite:///{work}/notify.db",
            "BANCHENG_NOTIFY_DATA_DIR": str(data_dir(work / "data", f"http://127.0.0.1:{port}/hook")),
            "BANCHENG_NOTIFY_LOG_LEVEL": os.environ.get("BANCHENG_NOTIFY_LOG_LEVEL", "WARNING"),
        })
        for _ in range(100):
            try:
                httpx.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        from services.notify.app import build_runtime

        runtime = build_runtime()
        await runtime.start()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, linger_ms=5)
        await producer.start()
        try:
            await publish(producer, 0, 1)  # warm-up: consumer groups joined, tables touched
            await wait_for(runtime, 1, 60)
            others = {"sink": sink.pid, "broker": broker.process.pid}
            cpu_before = {name: cpu_seconds(pid) for name, pid in others.items()}
            started, cpu_started = time.perf_counter(), time.process_time()
            await publish(producer, 1, events)
            publishing_cpu = time.process_time() - cpu_started
            done = await wait_for(runtime, events + 1, 300) - 1
            elapsed, notify_cpu = time.perf_counter() - started, time.process_time() - cpu_started - publishing_cpu
            cpu_used = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in others.items()}
            attempts, errors = await attempt_figures(runtime)
        finally:
            await producer.stop()
            await runtime.stop()
        print(f"notify: {done} of {events} notifications event → delivered (webhook) in {elapsed:.2f} s: "
              f"{done / elapsed:,.0f}/s (SQLite, one process, dev broker)")
        print(f"  attempts: {attempts} for {events + 1} deliveries; last errors seen: {errors or 'none'}")
        per = max(done, 1)
        print(f"  CPU per notification: notify {1000 * notify_cpu / per:.2f} ms, "
              f"sink {1000 * cpu_used['sink'] / per:.2f} ms, broker {1000 * cpu_used['broker'] / per:.2f} ms "
              f"(publishing {1000 * publishing_cpu / max(events, 1):.2f} ms/event, not counted in notify's)")
    finally:
        sink.terminate()
        sink.wait()
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().events))
