"""重办 (redo) over the whole stack: a dissatisfied callback reopens a replied case, and forwarding it again opens a
second round of work orders for the same departments, with new deadlines, the departments told it is a redo,
intake showing the round and audit counting it."""

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack
from tests.conftest import DATABASES, database_url
from tests.issuer import session_issuer

LEAD, ASSISTING = "housing", "street_office"  # the demo pack's lease filing (房屋租赁登记备案)
CASE = {
    "hall": "DEMO", "channel": "walk_in", "problem_kind": "multi_department", "matter_code": "lease_filing",
    "description": "租赁备案需街道出具居住证明，两个部门都说要对方先办", "applicant_kind": "person",
    "applicant_name": "张三", "applicant_phone": "13812345678",
}


@pytest.fixture(params=DATABASES)
def stack(request: pytest.FixtureRequest, tmp_path, issuer):
    urls = {name: database_url(request.param, name, tmp_path) for name in SERVICES}
    running = Stack(var_dir=tmp_path, database_urls=urls, issuer=issuer.url).start()
    yield running
    running.stop()


def eventually(check: Callable[[], Any], timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def test_a_dissatisfied_callback_redoes_the_case_as_a_second_round(stack: Stack) -> None:
    issuer = session_issuer()
    clerk, supervisor = issuer.headers("window_clerk", hall="DEMO"), issuer.headers("supervisor")
    departments = {code: issuer.headers("dept_handler", sub=f"{code}-1", department=code) for code in (LEAD, ASSISTING)}
    intake, routing, audit = stack.url("intake"), stack.url("routing"), stack.url("audit")
    case = httpx.post(f"{intake}/cases", json=CASE, headers=clerk).json()

    def orders(round_: int) -> dict[str, dict]:
        listed = httpx.get(f"{routing}/cases/{case['id']}/work-orders", headers=supervisor).json()["items"]
        found = {o["department"]: o for o in listed if o["round"] == round_}
        return found if set(found) == {LEAD, ASSISTING} else {}

    first = eventually(lambda: orders(1))
    assert first, "the first round was never dispatched"
    for code, order in first.items():
        signed = httpx.post(f"{routing}/work-orders/{order['id']}/sign-for", headers=departments[code])
        assert signed.status_code == 200, signed.text
        answered = httpx.post(f"{routing}/work-orders/{order['id']}/reply", headers=departments[code],
                              json={"reply": "已核实办理"})
        assert answered.status_code == 200, answered.text
    composed = httpx.post(f"{routing}/cases/{case['id']}/reply", headers=departments[LEAD], json={"reply": "已备案"})
    assert composed.status_code == 200, composed.text

    def case_in(state: str) -> dict | None:
        body = httpx.get(f"{intake}/cases/{case['id']}", headers=clerk).json()
        return body if body["state"] == state else None

    assert eventually(lambda: case_in("replied"))
    act = f"{intake}/cases/{case['id']}/actions"
    reopened = httpx.post(act, headers=clerk, json={"action": "record_callback", "satisfaction": "dissatisfied",
                                                   "reason": "未说明其他可申请的政策"})
    assert reopened.status_code == 200 and reopened.json()["state"] == "reopened", reopened.text
    redo = httpx.post(act, headers=clerk, json={"action": "dispatch", "reason": "回访不满意，补充说明政策"})
    assert redo.status_code == 200 and redo.json()["round"] == 2, redo.text

    second = eventually(lambda: orders(2))
    assert second, "no second round of work orders"
    assert second[LEAD]["role"] == "lead" and second[ASSISTING]["role"] == "assisting"
    assert all(o["state"] == "dispatched" and "重办" in o["reason"] for o in second.values())
    assert {o["id"] for o in second.values()}.isdisjoint(o["id"] for o in first.values())

    auditor = issuer.headers("auditor")

    def armed_for_the_redo() -> bool:
        timeline = httpx.get(f"{audit}/cases/{case['id']}/timeline", headers=auditor).json()["items"]
        armed = {e["data"]["subject_id"] for e in timeline if e["type"] == "sla.deadline_armed"}
        return {o["id"] for o in second.values()} <= armed

    assert eventually(armed_for_the_redo), "sla armed no deadline for the redo's work orders"
    sink = stack.var_dir / "notify-file-sink.jsonl"
    assert eventually(lambda: sink.read_text(encoding="utf-8").count("重办工单（第 2 轮）") >= 2), \
        "the departments were not told of the redo"

    shown = eventually(lambda: (body := case_in("dispatched")) and len(body["work_orders"]) == 4 and body)
    assert shown["round"] == 2
    assert sorted((o["department"], o["round"]) for o in shown["work_orders"]) == sorted([
        (LEAD, 1), (ASSISTING, 1), (LEAD, 2), (ASSISTING, 2)])

    def redos() -> int:
        rows = httpx.get(f"{audit}/statistics", params={"district": "demo"}, headers=auditor).json()["items"]
        return rows[0]["redos"] if rows else 0

    assert eventually(lambda: redos() == 1)
