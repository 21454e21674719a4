"""A malformed message on any consumed topic lands in its consumer group's dead-letter topic with the
reason, the services keep consuming, and an operator can replay a parked record."""

import asyncio
import importlib
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from shared.deadletters import read_dead_letters
from shared.dev.stack import SERVICES, Stack
from shared.envelope import Envelope
from shared.events.case import CaseForwarded
from shared.topics import CASE_EVENTS, dead_letter_topic
from tests.e2e.load import TRAIL, clerk_token, incomplete_trails, post_case
from tests.issuer import session_issuer


def consumed_topics() -> dict[str, tuple[str, ...]]:
    """Every consumer group of every service, with the topics it reads (from the services' own wiring)."""
    groups: dict[str, tuple[str, ...]] = {}
    for name in SERVICES:
        runtime = importlib.import_module(f"services.{name}.app").build_runtime()
        groups |= {consumer.group: consumer.topics for consumer in runtime.consumers}
    return groups


GROUPS = consumed_topics()
MALFORMED = {
    "no CloudEvents headers": [],
    "payload is not JSON": [("ce_id", str(uuid.uuid4()).encode()), ("ce_type", b"case.registered")],
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, issuer):
    running = Stack(var_dir=tmp_path_factory.mktemp("stack"), issuer=issuer.url).start()
    yield running
    running.stop()


async def publish(servers: str, records: list[tuple[str, bytes, bytes, list]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers)
    await producer.start()
    try:
        await asyncio.gather(*[await producer.send(t, v, key=k, headers=h) for t, k, v, h in records])
    finally:
        await producer.stop()


def test_malformed_record_on_every_consumed_topic_is_dead_lettered_with_its_reason(stack: Stack) -> None:
    topics = sorted({topic for group_topics in GROUPS.values() for topic in group_topics})
    records = [(topic, b"malformed", b"{not json", headers) for topic in topics for headers in MALFORMED.values()]
    asyncio.run(publish(stack.broker.bootstrap_servers, records))

    expected = {(group, topic) for group, group_topics in GROUPS.items() for topic in group_topics}
    parked: dict[tuple[str, str], list[str]] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and {k for k, v in parked.items() if len(v) >= 2} != expected:
        for group in GROUPS:
            letters = asyncio.run(read_dead_letters(stack.broker.bootstrap_servers, group))
            for letter in letters:
                parked.setdefault((group, letter.header("dlq_topic")), []).append(letter.header("dlq_reason"))
            parked = {key: reasons[-len(MALFORMED) :] for key, reasons in parked.items()}
        time.sleep(0.5)

    assert {key for key, reasons in parked.items() if len(reasons) >= len(MALFORMED)} == expected
    for reasons in parked.values():
        assert any("CloudEvents" in reason for reason in reasons)
        assert any("not JSON" in reason for reason in reasons)

    case_id = post_case(stack.url("intake"), 1, token=clerk_token(session_issuer()))
    assert incomplete_trails(stack.url("audit"), [case_id], issuer=session_issuer(), timeout_s=30) == {}, (
        f"trail after poison: {TRAIL}"
    )


def test_replayed_dead_letter_is_applied_by_its_consumer(stack: Stack) -> None:
    case_id = f"replay-{uuid.uuid4()}"
    envelope = Envelope.wrap(
        CaseForwarded(case_number="FT-20261121-9999", hall="FT", problem_kind="missing_materials",
                      matter_code="lease_filing", description="租赁备案缺少银行同意函"),
        source="intake", case_id=case_id, district="demo", hall="FT", actor="staff:window",
        occurred_at=datetime.now(UTC),
    )
    key, value, headers = envelope.to_kafka()
    parked_headers = headers + [("dlq_topic", CASE_EVENTS.encode()), ("dlq_reason", b"database was away")]
    asyncio.run(publish(stack.broker.bootstrap_servers, [(dead_letter_topic("routing"), key, value, parked_headers)]))

    environment = {**os.environ, "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": stack.broker.bootstrap_servers}
    listing = subprocess.run([sys.executable, "-m", "shared.deadletters", "list", "routing"],
                             env=environment, capture_output=True, text=True, check=True)
    assert "database was away" in listing.stdout
    subprocess.run([sys.executable, "-m", "shared.deadletters", "replay", "routing"], env=environment, check=True)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        orders = httpx.get(f"{stack.url('routing')}/cases/{case_id}/work-orders",
                           headers=session_issuer().headers("supervisor")).json()["items"]
        if orders:
            break
        time.sleep(0.2)
    assert orders and orders[0]["case_number"] == "FT-20261121-9999"


def test_unreachable_broker_gives_one_clear_line_and_non_zero_exit() -> None:
    environment = {**os.environ, "BANCHENG_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    result = subprocess.run([sys.executable, "-m", "shared.deadletters", "list", "routing"],
                            env=environment, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("error: cannot read bancheng.dlq.routing")
    assert len(result.stderr.strip().splitlines()) == 1
