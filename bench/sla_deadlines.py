"""SLA timers at scale: 1,000,000 open deadlines, sweep cost vs number due, firing lag, arming rate, memory.

    .venv/bin/python bench/sla_deadlines.py --db sqlite   [--open 1000000]
    .venv/bin/python bench/sla_deadlines.py --db postgres [--open 1000000]
    .venv/bin/python bench/sla_deadlines.py --db sqlite --arm 2000 --sweep-only   # the CPU per armed / fired row

The open deadlines are real rows (clock start, tier, schedule span, next firing) bulk-loaded with
SQLite executemany / PostgreSQL COPY; their next firings lie after the instants the bench sweeps at.
Sweeps run the service's own `sweep_once` (the sweeper loop's body) against the real store.
"""

import argparse
import asyncio
import json
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared import db, migrations
from shared.consuming import Unit
from shared.envelope import Envelope
from shared.events.workorder import WorkOrderDispatched
from services.sla import store
from services.sla.app import build_runtime
from services.sla.config import SlaSettings
from services.sla.domain.schedule import compute_schedule
from services.sla.domain.sweep import next_firing_at
from services.sla.handlers import on_work_order_dispatched_arm_deadline
from services.sla.workers import sweep_once

SH = ZoneInfo("Asia/Shanghai")
MIGRATIONS = Path(__file__).resolve().parent.parent / "services" / "sla" / "migrations"
SWEEP_AT = datetime(2026, 3, 3, 12, 0, tzinfo=SH)  # the bench's "now" for the cost sweeps
COLUMNS = (
    "id", "case_id", "subject", "subject_id", "department", "district", "hall", "tier", "state",
    "clock_started_at", "clock_start", "pauses", "extension_working_days", "due_at", "paused",
    "assumed_weekdays", "fired", "next_firing_at", "calendar_first", "calendar_last",
)


def row_for(rules, start: datetime, tier: str) -> tuple:
    """A deadline row as the service writes it, its schedule computed by the domain."""
    s = compute_schedule(clock_started_at=start, tier=tier, policy=rules.policy("demo"),
                         calendar=rules.calendar("demo"))
    wid = str(uuid.uuid4())
    return (
        wid, f"case-{wid}", "work_order", wid, "market", "demo", "DEMO", tier, "open",
        start, "dispatched", "[]", 0, s.due_at, False, s.assumed_weekdays, "[]",
        next_firing_at(schedule=s, fired=()), *s.calendar_span,
    )


def open_rows(rules, n: int):
    """n open deadlines started after SWEEP_AT (so none is due then), from 500 distinct schedules."""
    templates = [
        row_for(rules, SWEEP_AT + timedelta(days=1, minutes=7 * i), random.choice(["simple", "general", "complex"]))
        for i in range(500)
    ]
    for i in range(n):
        wid = str(uuid.uuid4())
        yield (wid, f"case-{wid}", "work_order", wid, *templates[i % 500][4:])


async def bulk_insert(url: str, rows) -> None:
    if db.is_postgres(url):
        import asyncpg

        dsn = url.replace("postgresql+asyncpg", "postgresql")
        connection = await asyncpg.connect(dsn)
        try:
            await connection.copy_records_to_table("deadline", records=rows, columns=COLUMNS)  # streamed
        finally:
            await connection.close()
        return
    connection = sqlite3.connect(url.split("///", 1)[1])
    connection.execute("PRAGMA cache_size=-262144")  # 256 MB: random uuid keys touch the whole index

    def sqlite_value(v):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v

    with connection:
        connection.executemany(
            f"INSERT INTO deadline ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            ([sqlite_value(v) for v in r] for r in rows),
        )
    connection.close()


async def count_open(sessions) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(store.Deadline))).one()


async def sweep_costs(url: str, sessions, rules, label: str) -> list[dict]:
    """Insert k deadlines already past their deadline, time the sweep that fires them, for several k."""
    results = []
    for k in (0, 10, 100, 1000):
        late = [row_for(rules, SWEEP_AT - timedelta(days=10, minutes=random.randint(0, 600)), "simple")
                for _ in range(k)]
        await bulk_insert(url, late)
        started, cpu_started = time.perf_counter(), time.process_time()
        lags = await sweep_once(sessions=sessions, rules=rules, now=SWEEP_AT, batch=500)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        results.append({"open": label, "due": k, "fired": len(lags), "sweep_ms": round(elapsed * 1000, 1),
                        "per_due_ms": round(elapsed * 1000 / k, 3) if k else None,
                        "cpu_ms_per_due": round(cpu * 1000 / k, 3) if k else None})
        print(json.dumps(results[-1]), flush=True)
    return results


async def firing_lag(url: str, sessions, rules, m: int, interval_s: float) -> dict:
    """m half-time warnings spread over 20 s of clock; the sweeper loop fires them; lag at commit."""
    # Immediate tier from 09:00 + x: half time at 13:15 + x/2, so x = i*40/m spreads them over 20 s.
    day = datetime(2026, 3, 4, 9, 0, tzinfo=SH)
    await bulk_insert(url, [row_for(rules, day + timedelta(seconds=i * 40 / m), "immediate") for i in range(m)])
    first = day + timedelta(hours=4, minutes=15)
    offset = first - timedelta(seconds=1) - datetime.now(UTC)
    lags: list[float] = []
    while len(lags) < m and datetime.now(UTC) + offset < first + timedelta(seconds=40):
        now = datetime.now(UTC) + offset
        started = time.perf_counter()
        fired = await sweep_once(sessions=sessions, rules=rules, now=now, batch=500)
        duration = time.perf_counter() - started
        lags += [lag + duration for lag in fired]
        await asyncio.sleep(interval_s)
    lags.sort()
    return {"fired": len(lags), "rate_per_s": round(m / 20), "sweep_interval_s": interval_s,
            "lag_p50_s": round(statistics.median(lags), 3), "lag_p99_s": round(lags[int(len(lags) * 0.99) - 1], 3),
            "lag_max_s": round(lags[-1], 3)}


async def arming_rate(sessions, rules, n: int) -> tuple[float, float]:
    """Work orders dispatched through the consumer's handler, 500 per transaction as the applier does:
    timers armed per second, and CPU ms per timer (which holds when the machine is shared)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    at = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    for chunk in range(0, n, 500):
        batch = []
        for i in range(chunk, min(chunk + 500, n)):
            event = WorkOrderDispatched(work_order_id=f"arm-{uuid.uuid4()}", case_number=f"B-{i}",
                                        department="market", role="lead", tier="general", reason="bench")
            batch.append((event, Envelope.wrap(event, source="routing", case_id=f"case-arm-{i}", district="demo",
                                               actor="bench", occurred_at=at + timedelta(seconds=i))))
        envelopes = [envelope for _event, envelope in batch]
        async with sessions() as session, session.begin():
            for event, envelope in batch:
                unit = Unit(session, "sla", cause=envelope, batch=envelopes)
                await on_work_order_dispatched_arm_deadline(event, envelope, unit, rules=rules)
    return n / (time.perf_counter() - started), (time.process_time() - cpu_started) * 1000 / n


async def main(args: argparse.Namespace) -> None:
    """On a throwaway database: a SQLite file in a temporary folder, or a PostgreSQL database dropped after."""
    tmp = Path(tempfile.mkdtemp(prefix="sla-bench-"))
    url = (f"sqlite+aiosqlite:///{tmp}/sla.db" if args.db == "sqlite"
           else f"postgresql+asyncpg://postgres@127.0.0.1:5432/bench_sla_{uuid.uuid4().hex[:8]}")
    try:
        await measure(args, url)
    finally:
        await db.drop_postgres_database(url)
        shutil.rmtree(tmp, ignore_errors=True)


async def measure(args: argparse.Namespace, url: str) -> None:
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
    rules = build_runtime(SlaSettings(database_url=url)).rules
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    print(f"# {args.db}: {url}", flush=True)

    rate, cpu_ms = await arming_rate(sessions, rules, args.arm)
    print(json.dumps({"timers_armed_per_s": round(rate), "cpu_ms_per_timer": round(cpu_ms, 3)}), flush=True)
    if args.arm_only:
        return

    small = 10_000
    await bulk_insert(url, open_rows(rules, small))
    costs = await sweep_costs(url, sessions, rules, f"{await count_open(sessions):,}")
    if args.sweep_only:
        await engine.dispose()
        return

    started = time.perf_counter()
    await bulk_insert(url, open_rows(rules, args.open - small))
    load_s = time.perf_counter() - started
    total = await count_open(sessions)
    print(json.dumps({"bulk_loaded": args.open - small, "seconds": round(load_s, 1),
                      "rows_per_s": round((args.open - small) / load_s), "rows_in_store": total}), flush=True)
    costs += await sweep_costs(url, sessions, rules, f"{total:,}")

    print(json.dumps(await firing_lag(url, sessions, rules, args.lag_timers, args.interval)), flush=True)
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(peak_mb)}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--arm", type=int, default=5000, help="deadlines armed through the handler")
    parser.add_argument("--arm-only", action="store_true", help="stop after the arming rate")
    parser.add_argument("--sweep-only", action="store_true",
                        help="stop after the sweep costs among 10,000 open deadlines (CPU ms per fired row)")
    parser.add_argument("--lag-timers", type=int, default=5000, help="timers coming due over 20 s")
    parser.add_argument("--interval", type=float, default=0.5, help="the sweeper's interval (setting)")
    asyncio.run(main(parser.parse_args()))
