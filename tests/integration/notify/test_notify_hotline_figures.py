"""The 12345 platform hears what its assessment counts for a case it forwarded: the yellow and red cards,
and at closing whether the reply was on time and how satisfied the caller was. Notify is a real runtime
over the broker; the platform is the simulator (`shared/dev/hotline12345`) as its own process."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.dev.broker import free_port
from shared.events import case, sla
from shared.settings import REPO_ROOT
from shared.topics import CASE_EVENTS, SLA_EVENTS
from services.notify.app import build_runtime
from services.notify.store import tables

from .conftest import HOTLINE_SECRET, CaseScript

TICKET = "ZS12345-20261207-000321"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "BANCHENG_HOTLINE12345_PORT": str(port), "BANCHENG_HOTLINE12345_SECRET": HOTLINE_SECRET,
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


async def statuses(simulator: str, ticket: str, *, count: int, timeout_s: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=simulator, timeout=5) as client:
        while True:
            received = (await client.get("/status", params={"ticket_id": ticket})).json()
            if len(received) >= count:
                return received
            assert time.monotonic() < deadline, f"the platform heard only {[r['status'] for r in received]}"
            await asyncio.sleep(0.1)


async def learnt_the_reply_on_time(runtime, case_id: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        async with runtime.sessions() as session:
            facts = await session.get(tables.CaseFacts, case_id)
        if facts is not None and facts.reply_on_time is not None:
            return
        assert time.monotonic() < deadline, "notify never heard the case's deadline closed"
        await asyncio.sleep(0.1)


async def test_the_12345_platform_hears_the_cards_and_the_closing_figures_of_its_case(
    notify_settings, start_runtime, producer, simulator
) -> None:
    settings = notify_settings.model_copy(update={"hotline_endpoint": simulator})
    runtime = await start_runtime(build_runtime(settings))
    life = CaseScript(producer)
    number = f"FT-20261207-{life.case_id[-4:]}"
    due = "2026-12-01T09:30:00+00:00"
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="FT", channel="hotline_12345", problem_kind="missing_materials",
        description="来电反映社保转移多次被退回", applicant_kind="person", applicant_masked="陈*",
        hotline_order_id=TICKET))
    await life.publish(CASE_EVENTS, case.CaseAccepted(case_number=number))
    for colour in ("yellow", "red"):
        await life.publish(SLA_EVENTS, sla.CardIssued(
            subject="case", subject_id=life.case_id, colour=colour, reason="overdue", due_at=due,
            supervision_id=f"sup-{life.case_id}"), "sla")
    await life.publish(CASE_EVENTS, case.CaseReplied(case_number=number, reply="已协调办结社保转移"))
    await life.publish(SLA_EVENTS, sla.DeadlineClosed(subject="case", subject_id=life.case_id, on_time=False), "sla")
    await life.publish(CASE_EVENTS, case.CallbackRecorded(case_number=number, satisfaction="satisfied"))
    await learnt_the_reply_on_time(runtime, life.case_id)  # days pass before archiving; sla's topic is its own
    await life.publish(CASE_EVENTS, case.CaseArchived(case_number=number))

    heard = await statuses(simulator, TICKET, count=6)

    # The cards come on sla's topic, the rest on the case's: each in its own order, not with each other.
    by_status = {sync["status"]: sync for sync in heard}
    assert sorted(by_status) == ["accepted", "callback", "closed", "red_card", "replied", "yellow_card"]
    assert [sync["status"] for sync in heard if not sync["status"].endswith("_card")] == [
        "accepted", "replied", "callback", "closed"]
    yellow, red, closed = by_status["yellow_card"], by_status["red_card"], by_status["closed"]
    assert yellow["figures"] == {"card": "yellow", "reason": "overdue", "subject": "case", "department": None}
    assert red["figures"]["card"] == "red" and "红牌" in red["note"]
    assert closed["figures"] == {"on_time": False, "satisfaction": "satisfied"}
    assert "超期" in closed["note"] and "满意" in closed["note"]
    assert "figures" not in by_status["accepted"] and {sync["case_number"] for sync in heard} == {number}
