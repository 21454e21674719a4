"""A case's whole life through notify: exactly the expected messages reach each real endpoint."""

import json
from collections import Counter
from email import message_from_bytes, policy

import pytest

from shared.events import case, sla, workorder
from shared.topics import CASE_CONTACTS, CASE_EVENTS, NOTIFY_RESULTS, SLA_EVENTS
from shared.webhook_signing import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from services.notify.app import build_runtime
from tests.conftest import DATABASES

from .conftest import HOTLINE_SECRET, WEBHOOK_SECRET, CaseScript, settled, wait_records

DUE = "2026-11-26T09:00:00+00:00"


def by_route(receiver) -> Counter:
    return Counter(request.path.split("?")[0].rsplit("/", 1)[0] for request in receiver.requests)


@pytest.mark.parametrize("notify_settings", DATABASES, indirect=True)
async def test_a_case_life_produces_exactly_the_expected_messages_on_each_channel(
    notify_settings, start_runtime, producer, http_receiver, smtp_server, broker
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    number = f"BC-{life.case_id[-6:]}"
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="FT", channel="hotline_12345", problem_kind="missing_materials",
        description="租赁备案材料不齐", green_channel=True, applicant_kind="person", applicant_masked="王*",
        hotline_order_id="GD-2026-9"))
    await life.publish(CASE_EVENTS, case.CaseAccepted(case_number=number))
    # The contact comes after two events it concerns: both are planned again for the citizen.
    await life.publish(CASE_CONTACTS, life.contact(
        case_number=number, name="王五", phone="13900001111", email="wangwu@example.cn"))
    await life.dispatch(workorder.WorkOrderDispatched(
        work_order_id="wo-1", case_number=number, department="market", role="lead", tier="general", reason="rule"))
    await life.dispatch(workorder.WorkOrderDispatched(
        work_order_id="wo-2", case_number=number, department="housing", role="assisting", tier="general",
        reason="rule"))
    await life.publish(SLA_EVENTS, sla.DeadlineWarned(
        subject="work_order", subject_id="wo-1", department="market", warning="one_day_before", due_at=DUE), "sla")
    await life.publish(CASE_EVENTS, case.CaseReplied(case_number=number, reply="已一次性告知所缺材料"))
    await life.publish(CASE_EVENTS, case.CallbackRecorded(case_number=number, satisfaction="satisfied"))
    await life.publish(CASE_EVENTS, case.CaseArchived(case_number=number))

    rows = await settled(runtime, life.case_id, count=18)

    assert [(r.channel, r.recipient, r.last_error) for r in rows if r.state != "delivered"] == []
    assert Counter(r.channel for r in rows) == {"sms": 4, "email": 6, "wecom": 3, "webhook": 1, "hotline_12345": 4}
    assert by_route(http_receiver) == {"/sms": 4, "/wecom": 3, "/webhook": 1, "/hotline": 4}
    mails = [message_from_bytes(content, policy=policy.default) for _, content in smtp_server[1].envelopes
             if number in message_from_bytes(content, policy=policy.default)["Subject"]]
    assert Counter(mail["To"] for mail in mails) == {
        "wangwu@example.cn": 3, "scjgj@bancheng.example": 2, "zjj@bancheng.example": 1}
    hotline = [r for r in http_receiver.requests if r.path == "/hotline/status"]
    for request in hotline:
        assert verify(secret=HOTLINE_SECRET, timestamp=request.headers[TIMESTAMP_HEADER], body=request.body,
                      received=request.headers[SIGNATURE_HEADER], now=float(request.headers[TIMESTAMP_HEADER]))
    bodies = [json.loads(r.body) for r in hotline]
    assert [b["status"] for b in bodies] == ["accepted", "replied", "callback", "closed"]
    assert {(b["ticket_id"], b["case_number"]) for b in bodies} == {("GD-2026-9", number)}
    assert all(b["delivery_id"] == r.headers[DELIVERY_HEADER] for b, r in zip(bodies, hotline, strict=True))
    webhook = next(r for r in http_receiver.requests if r.path.startswith("/webhook/"))
    assert verify(secret=WEBHOOK_SECRET, timestamp=webhook.headers[TIMESTAMP_HEADER], body=webhook.body,
                  received=webhook.headers[SIGNATURE_HEADER], now=float(webhook.headers[TIMESTAMP_HEADER]))
    sms = [json.loads(r.body) for r in http_receiver.requests if r.path == "/sms/send"]
    assert {s["mobile"] for s in sms} == {"13900001111"} and all(number in s["content"] for s in sms)
    results = [envelope.type for envelope, _ in await wait_records(broker, NOTIFY_RESULTS, life.case_id, count=18)]
    assert results == ["notify.delivered"] * 18
