"""Audit log through the store: append rate (in batches, as the consumer appends) and verify rate (streamed
from the database), on SQLite and PostgreSQL. Prints figures and CPU time (the database
server's is not counted: on a shared machine wall-clock figures are noisy), asserts nothing.
The append rate is also printed for each tenth of the run: the log grows forever in production, so
what matters is how the rate moves with the log's size. Event ids are made as producers make them.

Targets (issue 7): append >= 20,000 events/s, verify >= 200,000 entries/s.
Usage: python bench/audit_store.py [events]   (PostgreSQL at 127.0.0.1:5432; a throwaway database, dropped after)
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # this checkout, not the one the shared venv's editable install names

from shared import db, migrations
from shared.ids import new_id
from services.audit.domain.signing import generate_signing_key
from services.audit.store.audit_log import IncomingEvent, Signer, append_events
from services.audit.store.verification import verify_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "services" / "audit" / "migrations"
BATCH = 500  # the consumer's batch: one transaction per batch
PARTITIONS = 8


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (verify's workers); not the database server's."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def events(count: int) -> list[IncomingEvent]:
    """Seven events a case, one after another; ids made as producers make them: event ids by the envelope,
    case ids as intake makes them (both time-ordered, `shared.ids`)."""
    start = datetime(2026, 3, 2, tzinfo=UTC)
    cases = [new_id() for _ in range(count // 7 + 1)]
    made = []
    for i in range(count):
        event_id, case_id, at = new_id(), cases[i // 7], start + timedelta(milliseconds=i)
        made.append(
            IncomingEvent(
                topic="bancheng.case.events",
                partition=i % PARTITIONS,
                event_id=event_id,
                event_type="case.registered",
                occurred_at=at,
                case_id=case_id,
                payload={
                    "case_number": f"SS-{i // 7:08d}",
                    "hall": "沙河街道政务服务中心",
                    "channel": "walk_in",
                    "problem_kind": "missing_materials",
                    "matter_code": "lease_filing",
                    "description": "租赁备案材料不齐，需一次性告知所缺材料",
                    "applicant_kind": "person",
                    "applicant_masked": "张*",
                },
                headers={
                    "ce_specversion": "1.0",
                    "ce_id": event_id,
                    "ce_type": "case.registered",
                    "ce_source": "intake",
                    "ce_time": at.isoformat(),
                    "ce_subject": case_id,
                    "ce_district": "nanshan",
                    "ce_actor": "staff:12",
                    "ce_hall": "H1",
                    "content-type": "application/json",
                },
            )
        )
    return made


async def bench(url: str, label: str, count: int) -> None:
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    key = generate_signing_key()
    signer = Signer(private_key=key, every=1000)
    batch_events = events(count)
    tenth = max(BATCH, count // 10 // BATCH * BATCH)
    tenths = []
    began, cpu = time.perf_counter(), cpu_seconds()
    for offset in range(0, count, BATCH):
        async with sessions() as session, session.begin():
            await append_events(session, batch_events[offset : offset + BATCH], signer=signer, now=datetime.now(UTC))
        if (offset + BATCH) % tenth == 0 or offset + BATCH >= count:
            tenths.append((min(offset + BATCH, count), time.perf_counter()))
    appended, append_cpu = time.perf_counter() - began, cpu_seconds() - cpu
    await engine.dispose()
    after = zip([(0, began), *tenths], tenths, strict=False)  # each tenth beside the one before it
    rates = [(size - before) / (at - then) for (before, then), (size, at) in after]
    print(
        f"{label:10} append by log size:       "
        + "  ".join(f"{size // 1000:,}k {rate:,.0f}/s" for (size, _), rate in zip(tenths, rates, strict=True))
    )

    began, cpu = time.perf_counter(), cpu_seconds()
    report = await verify_database(url, key.public_key())
    verified, verify_cpu = time.perf_counter() - began, cpu_seconds() - cpu
    print(f"{label:10} append, batches of {BATCH}:  {count / appended:>10,.0f} events/s  "
          f"({count:,} in {appended:.1f} s, CPU {append_cpu:.1f} s)")
    print(f"{label:10} verify from the database: {report.entries_checked / verified:>10,.0f} entries/s "
          f"({report.entries_checked:,} in {verified:.1f} s, CPU {verify_cpu:.1f} s, {report.fault_count} faults)")
    print(f"{label:10} load average {os.getloadavg()[0]:.2f}")


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        await bench(f"sqlite+aiosqlite:///{folder}/audit.db", "SQLite", count)
    name = f"bancheng_bench_audit_{uuid.uuid4().hex[:8]}"
    try:
        await bench(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", "PostgreSQL", count)
    finally:
        await db.drop_postgres_database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
