"""A case posted to intake walks through all five services, each its own process, on the real broker."""

import time

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack
from tests.conftest import DATABASES, database_url
from tests.e2e.load import TRAIL
from tests.issuer import session_issuer

CASE = {
    "hall": "DEMO",
    "channel": "walk_in",
    "problem_kind": "missing_materials",
    "matter_code": "lease_filing",
    "description": "租赁备案缺银行同意函，孩子入学急需租赁凭证",
    "applicant_kind": "person",
    "applicant_name": "张三",
    "applicant_phone": "13812345678",
}


@pytest.fixture(params=DATABASES)
def stack(request: pytest.FixtureRequest, tmp_path, issuer):
    urls = {name: database_url(request.param, name, tmp_path) for name in SERVICES}
    running = Stack(var_dir=tmp_path, database_urls=urls, issuer=issuer.url).start()
    yield running
    running.stop()


def armed_subjects(timeline: list[dict]) -> set[str]:
    return {entry["data"]["subject"] for entry in timeline if entry["type"] == "sla.deadline_armed"}


def wait_for_timeline(stack: Stack, case_id: str, timeout_s: float = 30) -> list[dict]:
    """The timeline once it holds the whole trail, the work order's deadline too (the case's deadline
    alone already satisfies the trail's types, and the two are armed from different topics)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        timeline = httpx.get(f"{stack.url('audit')}/cases/{case_id}/timeline",
                             headers=session_issuer().headers("auditor")).json()["items"]
        if set(TRAIL) <= {entry["type"] for entry in timeline} and "work_order" in armed_subjects(timeline):
            return timeline
        time.sleep(0.1)
    return timeline


def eventually(check, timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while not (ok := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return ok


def test_registered_case_is_dispatched_armed_notified_and_audited(stack: Stack) -> None:
    clerk = session_issuer().headers("window_clerk", hall="DEMO")
    response = httpx.post(f"{stack.url('intake')}/cases", json=CASE, headers=clerk)
    assert response.status_code == 201, response.text
    case = response.json()

    timeline = wait_for_timeline(stack, case["id"])

    assert set(TRAIL) <= {entry["type"] for entry in timeline}
    assert len({entry["event_id"] for entry in timeline}) == len(timeline)
    dispatched = [entry for entry in timeline if entry["type"] == "workorder.dispatched"]
    assert all(entry["data"]["case_number"] == case["case_number"] for entry in dispatched)
    assert armed_subjects(timeline) == {"case", "work_order"}
    assert eventually(
        lambda: httpx.get(f"{stack.url('intake')}/cases/{case['id']}", headers=clerk).json()["state"] == "dispatched"
    )
    sink = (stack.var_dir / "notify-file-sink.jsonl").read_text(encoding="utf-8")
    assert case["case_number"] in sink
