"""Routing's out-of-scope advice (不属于政务服务范围) over the whole stack: staff see it on the case in intake, and
either confirm it (the case is referred and explained, its deadlines close, audit counts it out of scope) or
overrule it (routing dispatches the case as staff say)."""

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack
from tests.conftest import DATABASES, database_url
from tests.issuer import session_issuer

PARKING = {  # the demo pack's rule `residential_parking` (小区停车) refers it to property management and urban_mgmt
    "hall": "DEMO", "channel": "walk_in", "problem_kind": "no_responsible_department",
    "description": "小区楼下车位被乱停车占用，找了几个部门都说不归他们管", "applicant_kind": "person",
    "applicant_name": "李四", "applicant_phone": "13812345679",
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


def test_staff_see_the_advice_then_confirm_one_referral_and_overrule_another(stack: Stack) -> None:
    issuer = session_issuer()
    clerk, supervisor = issuer.headers("window_clerk", hall="DEMO"), issuer.headers("supervisor", district="demo")
    auditor = issuer.headers("auditor")
    intake, routing, audit = stack.url("intake"), stack.url("routing"), stack.url("audit")
    confirmed, overruled = (httpx.post(f"{intake}/cases", json=PARKING, headers=clerk).json() for _ in range(2))

    def advice(case: dict, status: str) -> dict | None:
        shown = httpx.get(f"{intake}/cases/{case['id']}", headers=clerk).json()
        found = shown["referral_advice"]
        return shown if found and found["status"] == status else None

    for case in (confirmed, overruled):
        shown = eventually(lambda case=case: advice(case, "advised"))
        assert shown, "the advice never reached the case"
        assert {t["code"] for t in shown["referral_advice"]["targets"]} == {"property_mgmt", "urban_mgmt"}
        assert "物业" in shown["referral_advice"]["explanation"]
    waiting = httpx.get(f"{routing}/referrals", headers=supervisor).json()["items"]
    assert {c["case_id"] for c in waiting} >= {confirmed["id"], overruled["id"]}

    referred = httpx.post(f"{intake}/cases/{confirmed['id']}/actions", headers=clerk, json={
        "action": "refer_out_of_scope", "referral_target": "物业服务企业、城市管理和综合执法局",
        "reason": shown["referral_advice"]["explanation"]})
    assert referred.status_code == 200, referred.text
    assert referred.json()["state"] == "referred_out_of_scope"
    assert referred.json()["referral_advice"]["status"] == "confirmed"

    def closed_deadline() -> bool:
        timeline = httpx.get(f"{audit}/cases/{confirmed['id']}/timeline", headers=auditor).json()["items"]
        return any(e["type"] == "sla.closed" and e["data"]["subject"] == "case" for e in timeline)

    assert eventually(closed_deadline), "sla did not stop the referred case's clock"

    def out_of_scope() -> int:
        rows = httpx.get(f"{audit}/statistics", params={"district": "demo"}, headers=auditor).json()["items"]
        return rows[0]["out_of_scope"] if rows else 0

    assert eventually(lambda: out_of_scope() == 1)

    assigned = httpx.post(f"{routing}/triage/{overruled['id']}/assign", headers=supervisor,
                          json={"lead": "housing", "assisting": []})
    assert assigned.status_code == 202, assigned.text
    assert assigned.json()["state"] == "routed"
    orders = httpx.get(f"{routing}/cases/{overruled['id']}/work-orders", headers=supervisor).json()["items"]
    assert "否决范围外建议" in orders[0]["reason"]
    shown = eventually(lambda: advice(overruled, "overruled"))
    assert shown, "the overruled advice was not shown so"
    assert [(o["department"], o["role"]) for o in shown["work_orders"]] == [("housing", "lead")]
    left = {c["case_id"] for c in httpx.get(f"{routing}/referrals", headers=supervisor).json()["items"]}
    assert not left & {confirmed["id"], overruled["id"]}
