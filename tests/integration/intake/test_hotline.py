"""The 12345 hotline in (signed webhook, idempotent by order id) and the simulator as its own process."""

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from shared.dev.broker import free_port
from shared.settings import REPO_ROOT
from shared.topics import CASE_EVENTS
from shared.webhook_signing import signed_headers
from tests.integration.intake.conftest import SECRET, Intake


@pytest.fixture
def simulator(intake: Intake, tmp_path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "BANCHENG_HOTLINE12345_PORT": str(port), "BANCHENG_HOTLINE12345_SECRET": SECRET,
           "BANCHENG_HOTLINE12345_INTAKE_URL": intake.url,
           "BANCHENG_HOTLINE12345_DATABASE_PATH": str(tmp_path / "hotline.db")}
    process = subprocess.Popen([sys.executable, "-m", "shared.dev.hotline12345"], cwd=REPO_ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=0.5).raise_for_status()
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline and process.poll() is None, "simulator did not start"
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


def order(order_id: str, revision: int = 1, **changes: object) -> dict:
    return {"order_id": order_id, "revision": revision, "hall": "FT", "category": "policy_unclear",
            "content": "来电咨询个体户地址变更网上办理多次失败", "urgent": False,
            "caller": {"name": "陈七", "phone": "13712345678"}, **changes}


def signed(body: bytes, *, secret: str = SECRET, delivery: str | None = None, now: float | None = None) -> dict:
    headers = signed_headers(secret=secret, delivery_id=delivery or str(uuid.uuid4()), body=body,
                             now=now or time.time())
    return {**headers, "Content-Type": "application/json"}


async def test_hotline_order_creates_one_case_and_later_revisions_update_it(intake: Intake, simulator: str) -> None:
    order_id = f"SZ12345-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=simulator, timeout=10) as sim:
        created = (await sim.post("/orders", json=order(order_id))).json()
        repeated = (await sim.post("/orders", json=order(order_id))).json()
        supplemented = "补充:已在线提交三次均失败"
        updated = (await sim.post("/orders", json=order(order_id, 2, content=supplemented))).json()
        withdrawn = (await sim.post("/orders", json=order(order_id, 3, content=supplemented, status="withdrawn",
                                                          withdraw_reason="来电人已自行办结"))).json()

    assert created["intake_status"] == 201 and created["intake_body"]["created"] is True
    assert repeated["intake_status"] == 200 and repeated["intake_body"] == {**created["intake_body"],
                                                                           "created": False, "applied": False}
    assert updated["intake_body"]["applied"] is True and withdrawn["intake_body"]["applied"] is True
    case = await intake.case(created["intake_body"]["case_id"])
    assert case["channel"] == "hotline_12345" and case["hotline_order_id"] == order_id
    assert case["description"] == "补充:已在线提交三次均失败" and case["state"] == "withdrawn"
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.withdrawn"})
    assert [e.type for e in events] == ["case.registered", "case.description_updated", "case.withdrawn"]
    assert events[0].data["hotline_order_id"] == order_id and events[0].actor == "system:hotline12345"


@pytest.mark.parametrize("attack", ["wrong-secret", "stale-timestamp", "tampered-body", "replayed-delivery"])
async def test_bad_or_replayed_signature_is_401_and_stores_nothing(intake: Intake, attack: str) -> None:
    order_id = f"SZ12345-{uuid.uuid4().hex[:8]}"
    body = json.dumps(order(order_id), ensure_ascii=False).encode()
    headers = {
        "wrong-secret": lambda: signed(body, secret="not-the-secret"),
        "stale-timestamp": lambda: signed(body, now=time.time() - 301),
        "tampered-body": lambda: signed(body.replace(b"13712345678", b"13700000000")),
        "replayed-delivery": lambda: signed(body, delivery="delivery-seen-once-" + order_id),
    }[attack]()
    if attack == "replayed-delivery":
        first = await intake.client.post("/hotline/12345/orders", content=body, headers=headers)
        assert first.status_code == 201
        body = json.dumps(order(order_id, 2, content="重放的新内容"), ensure_ascii=False).encode()
        headers = signed(body, delivery="delivery-seen-once-" + order_id)
    before = await intake.counts()

    response = await intake.client.post("/hotline/12345/orders", content=body, headers=headers)

    assert response.status_code == 401 and response.json()["en"]
    assert (await intake.counts()) == before
    if attack == "replayed-delivery":
        case = await intake.case(first.json()["case_id"])
        assert case["description"] != "重放的新内容"


async def test_simulator_verifies_stores_and_lists_status_syncs(simulator: str) -> None:
    sync = {"ticket_id": "SZ12345-T1", "status": "replied", "case_number": "FT-20261121-0001",
            "note": "已答复", "delivery_id": "d-1"}
    body = json.dumps(sync, ensure_ascii=False).encode()
    async with httpx.AsyncClient(base_url=simulator, timeout=10) as sim:
        stored = await sim.post("/status", content=body, headers=signed(body, delivery="d-1"))
        replayed = await sim.post("/status", content=body, headers=signed(body, delivery="d-1"))
        forged = await sim.post("/status", content=body, headers=signed(body, secret="forged", delivery="d-2"))
        listed = (await sim.get("/status", params={"ticket_id": "SZ12345-T1"})).json()

    assert stored.status_code == 200 and replayed.status_code == 401 and forged.status_code == 401
    assert listed == [sync]
