"""Several notify processes on one PostgreSQL database, over the real broker, to a local webhook receiver.

The planner and the channel workers share their topics' partitions between the processes (consumer
groups), and the dispatchers claim due rows with `FOR UPDATE SKIP LOCKED`, so each notification is sent
by one process. A process killed with SIGKILL loses nothing: its unacknowledged records go to the other
process at the rebalance, and the rows it had claimed are retried once their lease lapses (seconds: a
live process renews its claims). A row sent but not yet recorded when it died is sent again: the receiver
sees its delivery id twice (the id is in the signed headers for that purpose), so the tests count
distinct delivery ids for exactly-once, and the repeats against the sends that were in flight.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from shared.envelope import Envelope
from shared.events.sla import DeadlineArmed
from shared.events.workorder import WorkOrderDispatched
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from shared.webhook_signing import DELIVERY_HEADER
from services.notify.domain.config_files import DATA_DIR
from services.notify.store import tables
from tests.conftest import database_url
from tests.integration.notify.conftest import ORDER_DUE
from tests.unit.notify.conftest import HttpReceiver, Reply, free_port
from tests.unit.notify.packs import webhook_dispatch_packs

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[3]
DISTRICT = "demo"
SEND_CONCURRENCY = 8  # sends in flight on the webhook channel: the most a killed process can have sent but not recorded
LEASE_S = 4.0  # how long a killed process's claims hold its rows (renewed every third of it while it lives)


class NotifyProcess:
    """`python -m services.notify serve` with the given environment, on a port of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> NotifyProcess:
        port = free_port()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "services.notify", "serve"], cwd=ROOT,
                                            env={**self.env, "BANCHENG_NOTIFY_PORT": str(port)}, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while not self._ready(port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"notify did not start: {self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, claimed rows left `sending`."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @staticmethod
    def _ready(port: int) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture
def notify_env(broker, tmp_path: Path, http_receiver: HttpReceiver) -> dict[str, str]:
    """One PostgreSQL database, migrated once, and a district whose dispatched work orders go by webhook."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA_DIR / "templates.yaml", data / "templates.yaml")
    packs = webhook_dispatch_packs(tmp_path / "packs", http_receiver.url("/webhook/market"))
    env = {
        **os.environ,
        "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "BANCHENG_NOTIFY_DATABASE_URL": database_url("postgres", f"notify_pair_{uuid.uuid4().hex[:6]}", tmp_path),
        "BANCHENG_NOTIFY_DATA_DIR": str(data),
        "BANCHENG_DISTRICTS_DIR": str(packs),
        "BANCHENG_NOTIFY_CHANNELS": '["webhook"]',
        "BANCHENG_NOTIFY_SEND_CONCURRENCY": str(SEND_CONCURRENCY),
        "BANCHENG_NOTIFY_CLAIM_BATCH": str(4 * SEND_CONCURRENCY),  # as the defaults: four rounds a pass
        "BANCHENG_NOTIFY_DISPATCH_LEASE_S": str(LEASE_S),
        "BANCHENG_NOTIFY_DISPATCH_POLL_S": "0.2",
        "BANCHENG_NOTIFY_SEND_TIMEOUT_S": "5",
        "BANCHENG_NOTIFY_LOG_LEVEL": "WARNING",
    }
    # Once, before the processes start: two processes starting together would race to create the tables.
    subprocess.run([sys.executable, "-m", "services.notify", "migrate"], cwd=ROOT, env=env, check=True)
    return env


@pytest.fixture
def notify_processes(notify_env: dict[str, str], tmp_path: Path) -> Iterator[list[NotifyProcess]]:
    processes = [NotifyProcess(notify_env, tmp_path / f"notify-{name}.log") for name in "ab"]
    yield processes
    for process in processes:
        process.stop()


async def publish_work_orders(producer: AIOKafkaProducer, count: int) -> None:
    """`count` dispatched work orders, one case each (spread over every partition by their keys), each with the
    deadline sla arms for it (a department's notice waits for it)."""
    run = uuid.uuid4().hex[:6]
    sends = []
    for number in range(count):
        work_order_id, case_id = f"wo-{run}-{number}", f"case-{run}-{number}"
        dispatched = WorkOrderDispatched(work_order_id=work_order_id, case_number=f"PAIR-{run}-{number}",
                                         department="market", role="lead", tier="general", reason="two processes")
        armed = DeadlineArmed(subject="work_order", subject_id=work_order_id, department="market", tier="general",
                              due_at=ORDER_DUE)
        for topic, event in ((WORKORDER_EVENTS, dispatched), (SLA_EVENTS, armed)):
            envelope = Envelope.wrap(event, source="routing", case_id=case_id, district=DISTRICT, actor="test")
            key, value, headers = envelope.to_kafka()
            sends.append(await producer.send(topic, value, key=key, headers=headers))
    for send in sends:
        await send


def received_ids(receiver: HttpReceiver) -> list[str]:
    return [request.headers[DELIVERY_HEADER] for request in list(receiver.requests)]


async def delivered_ids(database: str) -> set[str]:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as connection:
            table = tables.Delivery.__table__
            return set((await connection.execute(
                select(table.c.delivery_id).where(table.c.state == "delivered"))).scalars())
    finally:
        await engine.dispose()


async def wait_delivered(database: str, count: int, *, timeout_s: float = 90.0) -> set[str]:
    deadline = time.monotonic() + timeout_s
    while len(done := await delivered_ids(database)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(done)} of {count} delivered after {timeout_s} s")
        await asyncio.sleep(0.2)
    return done


def wait_received(receiver: HttpReceiver, count: int, *, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while len(set(received_ids(receiver))) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(set(received_ids(receiver)))} of {count} received after {timeout_s} s")
        time.sleep(0.05)


async def test_two_notify_processes_on_one_database_send_each_notification_once(
    notify_env, notify_processes, producer, http_receiver: HttpReceiver
) -> None:
    for process in notify_processes:
        process.start()
    await publish_work_orders(producer, 300)

    delivered = await wait_delivered(notify_env["BANCHENG_NOTIFY_DATABASE_URL"], 300)
    wait_received(http_receiver, 300)

    sent = received_ids(http_receiver)
    assert len(delivered) == 300
    assert sorted(sent) == sorted(delivered)  # every one, and none twice: the claims never overlapped


async def test_when_a_notify_process_is_killed_the_other_delivers_the_rest_and_the_restarted_one_rejoins(
    notify_env, notify_processes, producer, http_receiver: HttpReceiver
) -> None:
    first, second = notify_processes
    database = notify_env["BANCHENG_NOTIFY_DATABASE_URL"]
    first.start()
    second.start()

    await publish_work_orders(producer, 400)
    wait_received(http_receiver, 100)
    first.kill()  # mid-run: records unacknowledged, rows claimed, sends in flight
    delivered = await wait_delivered(database, 400)
    wait_received(http_receiver, 400)

    first.start()  # the killed one restarts; now the other is killed mid-run and the restarted one carries on
    await publish_work_orders(producer, 400)
    wait_received(http_receiver, 500)
    second.kill()
    delivered = await wait_delivered(database, 800)
    wait_received(http_receiver, 800)

    sent = received_ids(http_receiver)
    assert set(sent) == delivered and len(delivered) == 800  # every notification reached the receiver
    # Sent twice only what a killed process had sent and not yet recorded: its sends in flight, each kill.
    assert len(sent) - len(delivered) <= 2 * SEND_CONCURRENCY


async def test_a_notify_killed_mid_delivery_resends_only_its_sends_in_flight_and_resumes_within_seconds(
    notify_env, notify_processes, producer, http_receiver: HttpReceiver
) -> None:
    """A slow receiver (0.3 s a reply) keeps every sender busy, so a kill -9 lands with sends in flight."""
    process = notify_processes[0]
    database = notify_env["BANCHENG_NOTIFY_DATABASE_URL"]
    http_receiver.script("/webhook/market", *[Reply(delay=0.3) for _ in range(400)])
    process.start()
    await publish_work_orders(producer, 120)
    wait_received(http_receiver, 30)

    process.kill()
    at_kill = len(received_ids(http_receiver))
    process.start()  # returns once /readyz answers
    restarted = time.monotonic()
    wait_received(http_receiver, len(set(received_ids(http_receiver))) + 1)  # a new delivery id arrives
    resumed_s = time.monotonic() - restarted
    # The killed process's claimed rows wait out their lease (LEASE_S), not the old 120 s.
    delivered = await wait_delivered(database, 120, timeout_s=LEASE_S + 60)
    all_delivered_s = time.monotonic() - restarted
    wait_received(http_receiver, 120)

    sent = received_ids(http_receiver)
    resent = len(sent) - len(set(sent))
    print(
        f"kill -9 mid-delivery: {resent} re-sent (at most {SEND_CONCURRENCY} in flight), sending again "
        f"{resumed_s:.1f} s after the restart was ready, "
        f"all {len(delivered)} delivered {all_delivered_s:.1f} s after it"
    )
    assert set(sent) == delivered
    assert resent <= SEND_CONCURRENCY, f"{resent} re-sent; {at_kill} received before the kill"
    assert resumed_s < 10, f"the restarted process sent again only {resumed_s:.1f} s after it was ready"
