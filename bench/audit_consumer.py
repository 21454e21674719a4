"""Audit's live consumer path: events per second and audit's CPU per event, audit as its own process.

Starts the dev broker and audit (a process of its own, as in production), publishes M cases' events to
the four streams audit reads — the walking path every case takes (registered, accepted, forwarded,
dispatched, two deadlines armed, two notifications delivered) and, for every other case, its end
(signed for, replied, deadlines closed, callback, archived) — and times first publish → every event in
the log. With `--rate` the cases are offered at that many per second (small batches, as live traffic
gives); without, all at once (batches of 500).

Beside the wall-clock rate it prints audit's CPU per event from /proc: on a shared machine the rate is
noisy, the CPU figure is what a change to audit moves. Prints; asserts nothing.

    .venv/bin/python bench/audit_consumer.py [--cases 2000] [--rate 0] [--database-url URL]
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

# Measure the checkout this file lives in, not the one the virtualenv's editable install points at.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.dev.stack import Stack
from shared.envelope import Envelope
from shared.events import case, notification, sla, workorder
from shared.topics import CASE_EVENTS, NOTIFY_RESULTS, SLA_EVENTS, WORKORDER_EVENTS

IDLE_S = 3.0


def case_events(number: int) -> list[tuple[str, Envelope]]:
    """One case's events, in the order the services emit them; odd cases run to their archive."""
    case_id, case_number, now = str(uuid.uuid4()), f"FT-20261122-{number:05d}", datetime.now(UTC)
    work_order, due = f"wo-{number}", now + timedelta(days=5)
    description = f"租赁备案缺少银行同意函（第{number}件），孩子入学急需租赁凭证"
    steps: list[tuple[str, str, object]] = [
        (CASE_EVENTS, "intake", case.CaseRegistered(
            case_number=case_number, hall="FT", channel="walk_in", problem_kind="missing_materials",
            matter_code="lease_filing", description=description, applicant_kind="person", applicant_masked="张*")),
        (CASE_EVENTS, "intake", case.CaseAccepted(case_number=case_number)),
        (CASE_EVENTS, "intake", case.CaseForwarded(
            case_number=case_number, hall="FT", problem_kind="missing_materials", matter_code="lease_filing",
            description=description)),
        (WORKORDER_EVENTS, "routing", workorder.WorkOrderDispatched(
            work_order_id=work_order, case_number=case_number, department="market", role="lead",
            matter_code="lease_filing", tier="general", reason="matter lease_filing → market")),
        (SLA_EVENTS, "sla", sla.DeadlineArmed(subject="case", subject_id=case_id, tier="general", due_at=due)),
        (SLA_EVENTS, "sla", sla.DeadlineArmed(
            subject="work_order", subject_id=work_order, department="market", tier="general", due_at=due)),
        (NOTIFY_RESULTS, "notify", notification.NotificationDelivered(
            delivery_id=f"d-{number}-1", channel="webhook", recipient="department:market", attempts=1)),
        (NOTIFY_RESULTS, "notify", notification.NotificationDelivered(
            delivery_id=f"d-{number}-2", channel="sms", recipient="citizen", attempts=1)),
    ]
    if number % 2:
        reply = "已联系银行出具同意函，租赁备案办结"
        steps += [
            (WORKORDER_EVENTS, "routing", workorder.WorkOrderSignedFor(
                work_order_id=work_order, case_number=case_number, department="market")),
            (WORKORDER_EVENTS, "routing", workorder.WorkOrderReplied(
                work_order_id=work_order, case_number=case_number, department="market", reply=reply)),
            (SLA_EVENTS, "sla", sla.DeadlineClosed(
                subject="work_order", subject_id=work_order, department="market", on_time=True)),
            (CASE_EVENTS, "intake", case.CaseReplied(case_number=case_number, reply=reply)),
            (SLA_EVENTS, "sla", sla.DeadlineClosed(subject="case", subject_id=case_id, on_time=True)),
            (CASE_EVENTS, "intake", case.CallbackRecorded(case_number=case_number, satisfaction="satisfied")),
            (CASE_EVENTS, "intake", case.CaseArchived(case_number=case_number, exemplary=number % 10 == 1,
                                                      solution="银行同意函模板已入库")),
        ]
    return [
        (topic, Envelope.wrap(event, source=source, case_id=case_id, district="demo", hall="FT",
                              actor=f"service:{source}"))
        for topic, source, event in steps
    ]


async def stored(engine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM audit_entry"))).scalar_one()


async def publish(producer: AIOKafkaProducer, cases: list[list[tuple[str, Envelope]]], rate: float) -> None:
    sends, begin = [], time.perf_counter()
    for number, events in enumerate(cases):
        if rate and (delay := begin + number / rate - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        for topic, envelope in events:
            key, value, headers = envelope.to_kafka()
            sends.append(await producer.send(topic, value, key=key, headers=headers))
    await asyncio.gather(*sends)


async def wait_for(engine, count: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (done := await stored(engine)) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return done


async def run(stack: Stack, database_url: str, cases: int, rate: float) -> None:
    engine = create_async_engine(database_url)
    producer = AIOKafkaProducer(bootstrap_servers=stack.broker.bootstrap_servers, linger_ms=5)
    await producer.start()
    try:
        await publish(producer, [case_events(1)], 0)  # warm-up: the group joined, every topic's chain started
        warm = await wait_for(engine, len(case_events(1)), 60)
        idle_started = stack.cpu_seconds("audit")
        await asyncio.sleep(IDLE_S)  # what polling the bus costs with nothing to read
        idle = (stack.cpu_seconds("audit") - idle_started) / IDLE_S
        batch = [case_events(number) for number in range(2, cases + 2)]
        events = sum(len(events) for events in batch)
        started, cpu_started = time.perf_counter(), stack.cpu_seconds("audit")
        await publish(producer, batch, rate)
        published = time.perf_counter() - started
        done = await wait_for(engine, warm + events, 600) - warm
        elapsed, cpu = time.perf_counter() - started, stack.cpu_seconds("audit") - cpu_started
    finally:
        await producer.stop()
        await engine.dispose()
    print(f"audit: {done:,} of {events:,} events ({cases:,} cases) in the log in {elapsed:.2f} s: "
          f"{done / elapsed:,.0f} events/s (published in {published:.2f} s"
          f"{f' at {rate:g} cases/s' if rate else ', all at once'}; {database_url.split(':')[0]}, dev broker)")
    print(f"  audit CPU {cpu:.2f} s = {1000 * cpu / max(done, 1):.3f} ms per event, "
          f"{1000 * cpu / max(cases, 1):.2f} ms per case; idle, audit spends {1000 * idle:.0f} ms CPU a second")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=0, help="cases offered per second (default: all at once)")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        url = args.database_url or f"sqlite+aiosqlite:///{var}/audit.db"
        stack = Stack(
            var_dir=Path(var),
            database_urls={"audit": url},
            extra_env={
                "BANCHENG_AUDIT_SIGNING_KEY_PATH": f"{var}/audit-key.pem",
                "BANCHENG_AUDIT_LOG_LEVEL": "WARNING",
            },
        )
        try:
            stack.start(["audit"])
            print(f"audit pid {stack.processes['audit'].pid}", flush=True)
            asyncio.run(run(stack, url, args.cases, args.rate))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
