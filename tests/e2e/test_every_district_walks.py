"""A case at a hall of every shipped district reaches a work order, a deadline and a notification,
through the five services as processes on the real broker (before the packs, four districts' cases
were registered and then sat in routing's and sla's dead-letter topics)."""

import time

import httpx
import pytest

from shared.dev.stack import Stack
from shared.districts import load_packs
from tests.e2e.packs import file_sink_packs
from tests.issuer import TokenIssuer

PACKS = load_packs()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer):
    var_dir = tmp_path_factory.mktemp("districts")
    packs = file_sink_packs(var_dir / "packs")
    running = Stack(var_dir=var_dir, extra_env={"BANCHENG_DISTRICTS_DIR": str(packs)}, issuer=issuer.url).start()
    yield running
    running.stop()


def case_at(code: str) -> dict:
    pack = PACKS[code]
    kind = next(k for k in pack.problem_kinds if k.routing is not None and not k.manual_triage and not k.consultation)
    return {"hall": pack.halls[0].code, "channel": "walk_in", "problem_kind": kind.code, "matter_code": "lease_filing",
            "description": "租赁备案缺银行同意函，孩子入学急需租赁凭证", "applicant_kind": "person",
            "applicant_name": "张三", "applicant_phone": "13812345678"}


def test_a_case_at_a_hall_of_every_district_is_dispatched_armed_and_notified(stack: Stack, issuer: TokenIssuer) -> None:
    cases = {}
    for code in sorted(PACKS):
        clerk = issuer.headers("window_clerk", district=code, hall=PACKS[code].halls[0].code)  # a clerk of that hall
        response = httpx.post(f"{stack.url('intake')}/cases", json=case_at(code), headers=clerk)
        assert response.status_code == 201, (code, response.text)
        cases[code] = response.json()

    wanted = {"workorder.dispatched", "sla.deadline_armed", "notify.delivered"}
    found: dict[str, set[str]] = {}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and any(not wanted <= found.get(code, set()) for code in cases):
        for code, case in cases.items():
            auditor = issuer.headers("auditor", district=code)
            timeline = httpx.get(f"{stack.url('audit')}/cases/{case['id']}/timeline", headers=auditor).json()["items"]
            found[code] = {entry["type"] for entry in timeline}
        time.sleep(0.2)

    assert {code: sorted(wanted - found.get(code, set())) for code in cases} == {code: [] for code in cases}
    sink = (stack.var_dir / "notify-file-sink.jsonl").read_text(encoding="utf-8")
    for code, case in cases.items():
        assert case["case_number"] in sink, code
