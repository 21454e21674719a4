"""Routing dispatches per second over the bus: one routing process on the dev broker, fed forwarded cases.

Publishes N `case.forwarded` events (the realistic mix of bench/routing_decisions.py) to the case stream,
then reads the work-order stream until every case has its outcome (dispatched, manual triage or referral),
counted from the first publish. Prints figures, asserts nothing.

Run: .venv/bin/python bench/routing_dispatch.py [--cases N] [--rate CASES_PER_S] [--database-url URL]
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.dev.stack import Stack
from shared.envelope import Envelope
from shared.events.case import CaseForwarded
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS
from bench.routing_decisions import build_requests
from services.routing.domain.loader import load_districts


def forwarded_cases(n: int) -> list[Envelope]:
    requests = build_requests(load_districts()["demo"], n, random.Random(7))
    envelopes = []
    for r in requests:
        case_id = str(uuid.uuid4())
        event = CaseForwarded(case_number=f"DEMO-{case_id[:8]}", hall="DEMO", problem_kind=r.problem_kind,
                              matter_code=r.matter_code, description=r.description)
        envelopes.append(Envelope.wrap(event, source="intake", case_id=case_id, district="demo", hall="DEMO",
                                       actor="staff:window"))
    return envelopes


async def run(bootstrap: str, cases: list[Envelope], cpu_seconds: Callable[[], float], rate: float) -> None:
    reader = AIOKafkaConsumer(WORKORDER_EVENTS, bootstrap_servers=bootstrap, group_id=f"bench-{uuid.uuid4().hex[:6]}",
                              auto_offset_reset="latest")
    await reader.start()
    await reader.seek_to_end()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    await _warm_up(producer, reader, cases[0])
    cases = cases[1:]
    wanted = {c.case_id for c in cases}
    seen: set[str] = set()
    events = dispatched = 0
    start, cpu_start = time.perf_counter(), cpu_seconds()
    for number, envelope in enumerate(cases):
        if rate and (delay := start + number / rate - time.perf_counter()) > 0:
            await asyncio.sleep(delay)  # an offered rate: small batches, as live traffic gives
        key, value, headers = envelope.to_kafka()
        await producer.send(CASE_EVENTS, value, key=key, headers=headers)
    await producer.flush()
    published = time.perf_counter() - start
    while seen != wanted:
        batch = await reader.getmany(timeout_ms=1000, max_records=2000)
        for records in batch.values():
            for record in records:
                headers = dict(record.headers)
                case_id = headers.get("ce_subject", b"").decode()
                if case_id in wanted:
                    seen.add(case_id)
                    events += 1
                    dispatched += headers.get("ce_type") == b"workorder.dispatched"
        if time.perf_counter() - start > 600:
            break
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    await producer.stop()
    await reader.stop()
    print(f"published {len(cases):,} forwarded cases in {published:.2f} s")
    print(f"routed {len(seen):,} cases in {elapsed:.2f} s = {len(seen) / elapsed:,.0f} cases/s "
          f"({dispatched:,} work orders dispatched = {dispatched / elapsed:,.0f} dispatches/s; "
          f"{events:,} work-order events)")
    print(f"routing process CPU {cpu:.2f} s = {cpu * 1000 / max(len(seen), 1):.2f} ms per case "
          f"(a figure that holds when other load on the machine makes the rate noisy)")


async def _warm_up(producer: AIOKafkaProducer, reader: AIOKafkaConsumer, case: Envelope) -> None:
    """One case end to end first, so the consumer groups' joins are not counted."""
    key, value, headers = case.to_kafka()
    await producer.send_and_wait(CASE_EVENTS, value, key=key, headers=headers)
    while True:
        batch = await reader.getmany(timeout_ms=1000)
        if any(dict(r.headers).get("ce_subject") == key for records in batch.values() for r in records):
            return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--rate", type=float, default=0, help="cases published per second (default: all at once)")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        urls = {"routing": args.database_url} if args.database_url else {}
        stack = Stack(var_dir=Path(var), database_urls=urls)
        try:
            stack.start(["routing"])
            cases = forwarded_cases(args.cases)
            asyncio.run(run(stack.broker.bootstrap_servers, cases, lambda: stack.cpu_seconds("routing"), args.rate))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
