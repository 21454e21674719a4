"""A department's inbox order from sla, a real process on the real broker: its running work-order deadlines
soonest due first with the working days left, paused ones last; another department's handler is refused.

Dates: dispatched Monday 2026-03-02 10:00 in Shanghai; a simple order (3 working days) is due Thursday the 5th,
a general one (5 working days) Monday the 9th. The clock reads Wednesday the 4th at 10:00.
"""

import uuid
from datetime import datetime

import httpx

from shared.events.case import CasePaused
from shared.events.workorder import WorkOrderDispatched
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS
from tests.integration.sla.test_sla_timers_over_broker import REGISTERED_AT, SH, has
from tests.issuer import session_issuer


def dispatched(order: str, tier: str) -> WorkOrderDispatched:
    return WorkOrderDispatched(work_order_id=order, case_number="DEMO-1", department="market", role="lead",
                               tier=tier, reason="rule")


def test_the_inbox_reads_soonest_due_first_with_working_days_left_and_paused_last(sla_factory) -> None:
    sla = sla_factory("sqlite", datetime(2026, 3, 4, 10, 0, tzinfo=SH))
    cases = {name: f"case-{uuid.uuid4()}" for name in ("general", "simple", "paused")}
    for name, case_id in cases.items():
        sla.publish(WORKORDER_EVENTS, dispatched(f"wo-{name}-{case_id}", "simple" if name != "general" else "general"),
                    case_id=case_id, at=REGISTERED_AT)
        sla.wait_for(case_id, has(("sla.deadline_armed", None)))
    sla.publish(CASE_EVENTS, CasePaused(case_number="DEMO-1", reason="公示期"), case_id=cases["paused"],
                at=datetime(2026, 3, 3, 10, 0, tzinfo=SH))
    sla.wait_for(cases["paused"], has(("sla.paused", None)))
    sla.wait_for(cases["simple"], has(("sla.warning", "half_time")))  # Wednesday 09:30, fired by the first sweep

    handler = session_issuer().headers("dept_handler", department="market")
    page = httpx.get(f"{sla.url}/departments/market/deadlines", headers=handler).json()
    shown = [(d["case_id"], d["standing"], d["working_days_left"]) for d in page["items"]]
    assert shown == [(cases["simple"], "warning", 1), (cases["general"], "on_track", 3),
                     (cases["paused"], "paused", None)]

    first = httpx.get(f"{sla.url}/departments/market/deadlines", params={"limit": 1}, headers=handler).json()
    assert [d["case_id"] for d in first["items"]] == [cases["simple"]] and first["next_offset"] == 1

    other = session_issuer().headers("dept_handler", department="housing")
    assert httpx.get(f"{sla.url}/departments/market/deadlines", headers=other).status_code == 403
