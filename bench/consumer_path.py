"""The shared per-event path alone: events/s and this process's CPU per event, without the whole stack.

Starts the dev broker, publishes N envelopes (CaseRegistered, as intake does) to one topic, then runs one
service `Runtime` — the same FastStream subscriber with its Prometheus and OpenTelemetry middlewares, the
batch applier, the applied-id inbox, the outbox and its relay every service runs — with one `Consumer`
whose handler writes a trivial durable effect (a row per event) and stages one event per message, which
the relay publishes to the bus. Times the first applied event → the last relayed one, and prints the
events/s and the CPU (all threads: the database driver's too) per event of this process over that span.

By default the envelopes are published before the clock starts (batches of 500: the per-event costs);
with `--rate R` another process offers them at R a second while the service consumes (small batches, as
live traffic gives: the per-batch costs too). Either way the figure is the consumer's: fetch, decode,
inbox, handler, outbox row, relay (read, produce, delete). It runs on uvloop, as the services do (uvicorn
picks it when installed): on asyncio's own loop the loop's Python code was a share of the figure the services
never pay. Prints; asserts nothing.

    .venv/bin/python bench/consumer_path.py [--events 20000] [--rate 0] [--postgres] [--profile out.svg]

`--profile FILE` runs py-spy on this process while it consumes and writes its flame graph to FILE (an
`.svg`; any other name gets collapsed stacks, one a line, to grep);
`--hold S` waits S seconds before consuming, printing the pid, for `py-spy record --pid` by hand.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uvloop
from aiokafka import AIOKafkaProducer
from sqlmodel import Field, SQLModel

# Measure the checkout this file lives in, not the one the virtualenv's editable install points at.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared import bus, db, inbox, outbox, outbox_relay
from shared.consuming import APPLIED, BatchApplier, Consumer, Unit
from shared.dev.broker import DevBroker
from shared.envelope import Envelope
from shared.events.case import CaseAccepted, CaseRegistered
from shared.runtime import Runtime
from shared.settings import KafkaSettings, ServiceSettings

INPUT, OUTPUT = "bench.consumer_path.in", "bench.consumer_path.out"
SERVICE = "bench"
POSTGRES_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/bancheng_bench_consumer_path_{uuid.uuid4().hex[:8]}"


class BenchEffect(SQLModel, table=True):
    """The handler's durable effect: one row per applied event."""

    __tablename__ = "bench_effect"

    event_id: str = Field(primary_key=True)
    case_number: str


def build_consumer() -> Consumer:
    consumer = Consumer("bench-consumer-path", topics=[INPUT])

    @consumer.on(CaseRegistered)
    async def on_case_registered_record_and_accept(event: CaseRegistered, envelope: Envelope, unit: Unit) -> None:
        row = db.new_row(BenchEffect, event_id=str(envelope.id), case_number=event.case_number)  # as services do
        db.insert_at_commit(unit.session, row)
        await unit.emit(CaseAccepted(case_number=event.case_number), topic=OUTPUT)

    return consumer


def envelopes(count: int) -> list[Envelope]:
    description = "租赁备案缺少银行同意函，孩子入学急需租赁凭证"
    return [
        Envelope.wrap(
            CaseRegistered(case_number=f"FT-20261122-{number:05d}", hall="FT", channel="walk_in",
                           problem_kind="missing_materials", matter_code="lease_filing",
                           description=description, applicant_kind="person", applicant_masked="张*"),
            source="intake", case_id=str(uuid.uuid4()), district="demo", actor="staff:bench",
        )
        for number in range(count)
    ]


async def publish(servers: str, count: int, rate: float = 0.0) -> None:
    """All at once, or `rate` a second in ticks of 10 ms (small batches, as live traffic gives)."""
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        sent, started = [], time.perf_counter()
        for number, envelope in enumerate(envelopes(count)):
            if rate and number % max(int(rate / 100), 1) == 0:
                await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
            key, value, headers = envelope.to_kafka()
            sent.append(await producer.send(INPUT, value, key=key, headers=headers))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def start_publisher(servers: str, count: int, rate: float) -> subprocess.Popen[bytes]:
    """Offered load comes from a process of its own, so its CPU is not counted as the consumer's."""
    return subprocess.Popen([sys.executable, __file__, "--publish-to", servers, "--events", str(count),
                             "--rate", str(rate)])


async def prepare_database(url: str) -> None:
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    tables = [BenchEffect.__table__, inbox.ProcessedEvent.__table__, outbox.OutboxMessage.__table__]
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=tables))
    await engine.dispose()


def count_batches() -> list[int]:
    """Wraps the applier to note each batch's size: the per-batch costs are spread over that many events."""
    sizes: list[int] = []
    apply = BatchApplier.__call__

    async def noted(self: BatchApplier, records) -> None:
        sizes.append(len(records))
        await apply(self, records)

    BatchApplier.__call__ = noted
    return sizes


def counted(metric, **labels: str) -> float:
    """The sum of a counter's samples with these labels (however many label sets it has)."""
    return sum(
        sample.value for family in metric.collect() for sample in family.samples
        if sample.name.endswith("_total") and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def run(args: argparse.Namespace, work: Path) -> None:
    url = POSTGRES_URL if args.postgres else f"sqlite+aiosqlite:///{work / 'bench.db'}"
    broker = DevBroker(log_path=work / "broker.log").start()
    try:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        await bus.ensure_topics(kafka, [INPUT, OUTPUT])
        if not args.rate:
            await publish(broker.bootstrap_servers, args.events)
        await prepare_database(url)
        batch_sizes = count_batches()
        empty_migrations = work / "migrations"  # the tables are made above; no migrations to run
        empty_migrations.mkdir()
        runtime = Runtime(
            settings=ServiceSettings(service_name=SERVICE, database_url=url),
            kafka=kafka, migrations_dir=empty_migrations, topics=[OUTPUT],
            subscribers=lambda _runtime: [build_consumer()],
        )
        if args.hold:
            print(f"pid {os.getpid()}: consuming in {args.hold:.0f} s", flush=True)
            await asyncio.sleep(args.hold)
        spy = None
        if args.profile:
            kind = "flamegraph" if args.profile.endswith(".svg") else "raw"  # raw: collapsed stacks, for grep
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--nonblocking",
                                    "--format", kind, "-o", args.profile, "--pid", str(os.getpid())])
        await runtime.start()
        publisher = start_publisher(broker.bootstrap_servers, args.events, args.rate) if args.rate else None
        try:
            started = cpu_started = None
            while counted(outbox_relay.PUBLISHED, service=SERVICE) < args.events:
                if started is None and counted(APPLIED) > 0:
                    # From the first applied event: joining the group and the first fetch are not per event.
                    started, cpu_started = time.perf_counter(), time.process_time()
                await asyncio.sleep(0.05)  # the polling itself costs CPU: seldom
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            await runtime.stop()
            if publisher:
                publisher.wait(30)
            if spy:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
    finally:
        broker.stop()
        await db.drop_postgres_database(url)  # a throwaway database (SQLite's file goes with `work`)
    database = "PostgreSQL" if args.postgres else "SQLite"
    offered = f"offered at {args.rate:.0f}/s" if args.rate else "published beforehand"
    print(f"{args.events} events ({offered}) on {database}: {args.events / elapsed:.0f} events/s, "
          f"CPU {1e6 * cpu / args.events:.0f} µs per event ({cpu:.2f} s over {elapsed:.2f} s; "
          f"load average {os.getloadavg()[0]:.2f}); {len(batch_sizes)} batches, "
          f"{sum(batch_sizes) / max(len(batch_sizes), 1):.1f} records each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL database at 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="record a py-spy profile of the consuming (.svg: flame graph)"
    )
    parser.add_argument("--hold", type=float, default=0.0, metavar="S", help="print the pid, wait S s, then consume")
    parser.add_argument("--rate", type=float, default=0.0, help="offer the events at this many a second "
                        "(from another process) while consuming, instead of publishing them all beforehand")
    parser.add_argument("--publish-to", metavar="SERVERS", help=argparse.SUPPRESS)  # the publisher process
    args = parser.parse_args()
    if args.publish_to:
        asyncio.run(publish(args.publish_to, args.events, args.rate))
        return
    with tempfile.TemporaryDirectory(prefix="consumer-path-") as work:
        uvloop.run(run(args, Path(work)))


if __name__ == "__main__":
    main()
