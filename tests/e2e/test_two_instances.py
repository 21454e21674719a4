"""Two processes of each of the five services, one PostgreSQL database per service, on the real broker.

Cases are registered at a steady pace across both intakes; midway one instance of every service is
killed with SIGKILL, one after another. Every case still walks the whole path, nothing is applied twice,
each survivor ends up holding all of its consumer groups' partitions, and audit's log (one hash chain per
partition, appended to by both instances in turn) verifies.
"""

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.dev.stack import SERVICES, Stack
from shared.settings import REPO_ROOT
from services.notify.config import NotifySettings
from tests.conftest import database_url
from tests.e2e.checks import (
    DOUBLED,
    delivered_ids,
    doubled,
    outbox_pending,
    partitions,
    sink_lines,
    work_orders_per_case,
)
from tests.e2e.load import TRAIL, clerk_token, incomplete_trails, post_case
from tests.issuer import session_issuer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
CASES = 200
RATE = 10.0  # cases a second, alternating between the two intakes
KILL_FROM, KILL_EVERY = 60, 10  # the second instances die one by one from the 60th case posted, every 10 cases
KILL_ORDER = ("routing", "sla", "notify", "audit", "intake")  # intake last: posting moves to the survivor
# notify's default sends in flight: the most a killed notify can have written to the sink and not recorded
SEND_CONCURRENCY = NotifySettings().send_concurrency


def wait_until(check, timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, message()
        time.sleep(0.5)


def shared_groups(first: Stack, second: Stack, name: str) -> bool:
    """Both instances hold some partitions of each of the service's groups: the group has rebalanced onto both."""
    a, b = partitions(first.url(name)), partitions(second.url(name))
    return bool(a) and all(a.get(group, 0) > 0 and b.get(group, 0) > 0 for group in a)


@pytest.fixture
def stacks(tmp_path: Path):
    urls = {name: database_url("postgres", name, tmp_path) for name in SERVICES}
    # Both audits sign checkpoints with one key (the first generates it), as replicas mount one secret.
    shared_env = {"BANCHENG_AUDIT_SIGNING_KEY_PATH": str(tmp_path / "audit-signing-key.pem")}
    issuer = session_issuer().url  # the suite's: the stacks start no identity service of their own
    first = Stack(var_dir=tmp_path / "a", database_urls=urls, extra_env=shared_env, issuer=issuer)
    second = Stack(var_dir=tmp_path / "b", broker_port=first.broker.port, database_urls=urls, extra_env=shared_env,
                   issuer=issuer)
    first.start()  # migrates every database before the second instances start
    try:
        for name in SERVICES:  # never second.start(): it would start a second broker on the first's port
            second.start_service(name, wait=False)
        for name in SERVICES:
            second.wait_ready(name, timeout_s=120)
        yield first, second
    finally:
        for name in list(second.processes):
            second.stop_service(name)
        first.stop()


def test_two_instances_of_every_service_lose_nothing_and_double_nothing_when_one_of_each_is_killed(
        stacks, tmp_path: Path) -> None:
    first, second = stacks
    for name in SERVICES:
        wait_until(lambda name=name: shared_groups(first, second, name), 120,
                   lambda name=name: f"{name}: {partitions(first.url(name))} / {partitions(second.url(name))}")
    totals = {name: Counter(partitions(first.url(name))) + Counter(partitions(second.url(name))) for name in SERVICES}

    killed: list[str] = []
    case_ids = post_at_steady_pace(first, second, killed)
    assert killed == list(KILL_ORDER)

    short = incomplete_trails(first.url("audit"), case_ids, issuer=session_issuer(), timeout_s=300)
    assert not short, f"{len(short)} cases incomplete, e.g. {next(iter(short.items()))}"
    for name in SERVICES:  # the survivor holds every partition of every group of its service
        wait_until(lambda name=name: partitions(first.url(name)) == dict(totals[name]), 60,
                   lambda name=name: f"{name}: {partitions(first.url(name))}, expected {dict(totals[name])}")
    wait_until(lambda: outboxes_empty(first), 60, lambda: "an outbox still holds events")
    first_sink, second_sink = first.var_dir / "notify-file-sink.jsonl", second.var_dir / "notify-file-sink.jsonl"
    first.stop()

    assert len(set(case_ids)) == CASES
    urls = first.database_urls
    assert set(asyncio.run(work_orders_per_case(urls["routing"]))) == set(case_ids)
    assert asyncio.run(doubled(urls)) == {name: [] for named in DOUBLED.values() for name in named}
    sink, delivered = sink_lines(first_sink, second_sink), asyncio.run(delivered_ids(urls["notify"]))
    assert set(sink) == delivered, "a delivery recorded is missing from the file sink, or the reverse"
    # A line the killed notify wrote and had not recorded is written again by the survivor: its sends in flight.
    assert sum(sink.values()) - len(sink) <= SEND_CONCURRENCY, sink.most_common(3)
    print(f"{CASES} cases, {len(delivered)} deliveries, {sum(sink.values()) - len(sink)} sink lines written again; "
          f"survivors hold {sum(sum(groups.values()) for groups in totals.values())} partitions")

    verify = subprocess.run(
        [sys.executable, "-m", "services.audit", "tools", "verify"], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, "BANCHENG_AUDIT_DATABASE_URL": urls["audit"],
             "BANCHENG_AUDIT_SIGNING_KEY_PATH": str(tmp_path / "audit-signing-key.pem")})
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert int(verify.stdout.split()[-5]) >= CASES * len(TRAIL), verify.stdout  # "<n> entries checked, 0 faults"


def post_at_steady_pace(first: Stack, second: Stack, killed: list[str]) -> list[str]:
    """Post CASES cases at RATE a second, alternating intakes; kill the second instances on the way."""
    started = time.monotonic()
    token = clerk_token(session_issuer())
    with ThreadPoolExecutor(8) as pool:
        futures = []
        for number in range(CASES):
            time.sleep(max(started + number / RATE - time.monotonic(), 0))
            if number >= KILL_FROM and (number - KILL_FROM) % KILL_EVERY == 0 and len(killed) < len(KILL_ORDER):
                victim = KILL_ORDER[len(killed)]
                second.kill(victim)
                killed.append(victim)
            intakes = [first.url("intake")] if "intake" in killed else [first.url("intake"), second.url("intake")]
            futures.append(pool.submit(post_case, intakes[::-1] if number % 2 else intakes, number, token=token))
        return [future.result() for future in futures]


def outboxes_empty(stack: Stack) -> bool:
    return not any(asyncio.run(outbox_pending(stack.database_urls)).values())
