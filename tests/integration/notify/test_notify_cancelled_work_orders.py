"""A withdrawn case's cancelled work order (撤销) is told to the department that held it, and to no other."""

import asyncio
import time
from collections import Counter
from email import message_from_bytes, policy

from sqlmodel import select

from shared.events import case, workorder
from shared.runtime import Runtime
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS
from services.notify.app import build_runtime
from services.notify.store import tables

from .conftest import CaseScript, settled


async def test_the_department_of_a_cancelled_work_order_hears_why_it_can_stop(
    notify_settings, start_runtime, producer, http_receiver, smtp_server
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    number = f"BC-{life.case_id[-6:]}"
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="FT", channel="walk_in", problem_kind="missing_materials",
        description="租赁备案材料不齐", applicant_kind="person", applicant_masked="王*"))
    # Routing dispatches after the registration; the case and work-order topics are read in no order.
    await summary_learned(runtime, life.case_id)
    await life.dispatch(workorder.WorkOrderDispatched(
        work_order_id="wo-1", case_number=number, department="market", role="lead", tier="general", reason="rule"))
    await life.dispatch(workorder.WorkOrderDispatched(
        work_order_id="wo-2", case_number=number, department="housing", role="assisting", tier="general",
        reason="rule"))
    await life.publish(WORKORDER_EVENTS, workorder.WorkOrderCancelled(
        work_order_id="wo-2", case_number=number, department="housing", cause="merged", reason="同一诉求重复反映",
        into_case_number="BC-0001"), "routing")

    # dispatched: market wecom, e-mail, webhook; housing wecom, e-mail; cancelled: housing wecom, e-mail
    rows = await settled(runtime, life.case_id, count=7, ignore=frozenset({"sms"}))

    assert [(r.channel, r.last_error) for r in rows if r.state != "delivered"] == []
    assert Counter(r.path.split("?")[0] for r in http_receiver.requests if r.path.startswith("/wecom/")) == {
        "/wecom/market": 1, "/wecom/housing": 2}
    mails = [message_from_bytes(content, policy=policy.default) for _, content in smtp_server[1].envelopes]
    cancelled = [m for m in mails if number in m["Subject"] and "撤销" in m["Subject"]]
    assert [m["To"] for m in cancelled] == ["zjj@bancheng.example"]
    text = cancelled[0].get_body(("plain",)).get_content()
    assert "并单 / merged as a duplicate，并入 BC-0001（同一诉求重复反映）" in text and "租赁备案材料不齐" in text


async def summary_learned(runtime: Runtime, case_id: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            if (
                await session.exec(select(tables.CaseFacts.summary).where(tables.CaseFacts.case_id == case_id))
            ).first():
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"notify never learned case {case_id}'s registration")
