"""A department's notice of a new work order shows that order's own deadline: it waits until sla armed it (the
dispatch reaches notify first), and never shows the case's deadline, another order's, or "待定"."""

import asyncio
from datetime import UTC, datetime
from email import message_from_bytes, policy

from shared.events import case, sla, workorder
from shared.topics import CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from services.notify.app import build_runtime

from .conftest import CaseScript, deliveries, settled
from .test_notify_cancelled_work_orders import summary_learned

CASE_DUE = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)  # 12-20 09:00 in Shanghai
MARKET_DUE = datetime(2026, 12, 14, 9, 30, tzinfo=UTC)  # 17:30
HOUSING_DUE = datetime(2026, 12, 16, 2, 0, tzinfo=UTC)  # 10:00


async def test_each_department_hears_its_own_work_orders_deadline_once_it_is_armed(
    notify_settings, start_runtime, producer, http_receiver, smtp_server
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    number = f"FT-{life.case_id[-6:]}"
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="FT", channel="walk_in", problem_kind="multi_department",
        description="租赁备案需街道证明", applicant_kind="person", applicant_masked="王*"))
    await summary_learned(runtime, life.case_id)
    await life.publish(SLA_EVENTS, sla.DeadlineArmed(subject="case", subject_id=life.case_id, tier="general",
                                                     due_at=CASE_DUE), "sla")
    for work_order_id, department, role in (("wo-m", "market", "lead"), ("wo-h", "housing", "assisting")):
        await life.publish(WORKORDER_EVENTS, workorder.WorkOrderDispatched(
            work_order_id=work_order_id, case_number=number, department=department, role=role, tier="general",
            reason="rule"), "routing")
    await asyncio.sleep(1.5)  # the planner has read the dispatches: nothing goes out before the deadlines
    assert [r for r in await deliveries(runtime, life.case_id) if r.event_type == "workorder.dispatched"] == []

    await life.publish(SLA_EVENTS, sla.DeadlineArmed(subject="work_order", subject_id="wo-m", department="market",
                                                     tier="general", due_at=MARKET_DUE), "sla")
    await life.publish(SLA_EVENTS, sla.DeadlineArmed(subject="work_order", subject_id="wo-h", department="housing",
                                                     tier="general", due_at=HOUSING_DUE), "sla")
    # market: wecom, e-mail, webhook; housing: wecom, e-mail
    rows = await settled(runtime, life.case_id, count=5, ignore=frozenset({"sms"}))

    assert [(r.channel, r.last_error) for r in rows if r.state != "delivered"] == []
    mails = {m["To"]: m for m in (message_from_bytes(content, policy=policy.default)
                                  for _, content in smtp_server[1].envelopes) if number in m["Subject"]}
    assert "2026-12-14 17:30" in mails["scjgj@bancheng.example"]["Subject"]
    assert "2026-12-16 10:00" in mails["zjj@bancheng.example"]["Subject"]
    for mail in mails.values():
        text = mail.get_body(("plain",)).get_content()
        assert "2026-12-20" not in text and "待定" not in text
