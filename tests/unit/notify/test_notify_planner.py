from datetime import UTC, datetime

import pytest

from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.model import Audience, ChannelName, CitizenContact, HotlineStatus, NotificationContext
from services.notify.domain.planner import delivery_id_for, plan

DAYTIME = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NIGHT = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai


def context(**changes: object) -> NotificationContext:
    values: dict[str, object] = {
        "event_id": "evt-1",
        "case_id": "case-1",
        "case_number": "BC-20261123-0007",
        "district": "demo",
        "hall_id": "FT",
        "citizen": CitizenContact(name="张三", phone="13812345678", email="zhang@example.com"),
        "lead_department": "market",
        "assisting_departments": ("housing",),
    }
    return NotificationContext.model_validate({**values, **changes})


def routes(deliveries):
    return {(d.recipient_id, d.channel.value) for d in deliveries}


def test_dispatch_notifies_lead_and_assisting_departments_on_their_channels(config: NotifyConfig):
    deliveries = plan(rules=config.rules, event_type="workorder.dispatched", context=context(), now=DAYTIME)
    assert routes(deliveries) == {
        ("department:market", "wecom"),
        ("department:market", "email"),
        ("department:market", "webhook"),
        ("department:housing", "wecom"),
        ("department:housing", "email"),
    }
    assert all(d.variables["lead_department_name"] == "市场监管局" for d in deliveries)


def test_redelivered_event_plans_the_same_delivery_ids(config: NotifyConfig):
    first = plan(rules=config.rules, event_type="sla.card_issued:red", context=context(), now=DAYTIME)
    again = plan(rules=config.rules, event_type="sla.card_issued:red", context=context(), now=NIGHT)
    assert [d.delivery_id for d in first] == [d.delivery_id for d in again]
    assert len({d.delivery_id for d in first}) == len(first)


def test_delivery_id_differs_by_event_recipient_and_channel():
    base = delivery_id_for(event_id="e1", recipient_id="department:housing", channel=ChannelName.email)
    assert base == delivery_id_for(event_id="e1", recipient_id="department:housing", channel=ChannelName.email)
    assert base != delivery_id_for(event_id="e2", recipient_id="department:housing", channel=ChannelName.email)
    assert base != delivery_id_for(
        event_id="e1", recipient_id="department:medical_insurance", channel=ChannelName.email
    )
    assert base != delivery_id_for(event_id="e1", recipient_id="department:housing", channel=ChannelName.wecom)


def test_department_both_lead_and_assisting_is_notified_once_per_channel(config: NotifyConfig):
    ctx = context(assisting_departments=("market", "housing"))
    deliveries = plan(rules=config.rules, event_type="workorder.dispatched", context=ctx, now=DAYTIME)
    assert len(deliveries) == len(routes(deliveries)) == 5


def test_citizen_sms_at_night_waits_for_the_end_of_quiet_hours(config: NotifyConfig):
    deliveries = plan(rules=config.rules, event_type="case.accepted", context=context(), now=NIGHT)
    by_channel = {d.channel: d for d in deliveries if d.audience is Audience.citizen}
    assert by_channel[ChannelName.sms].not_before == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert by_channel[ChannelName.email].not_before == NIGHT


def test_green_channel_sms_is_sent_at_night(config: NotifyConfig):
    deliveries = plan(
        rules=config.rules, event_type="case.accepted", context=context(green_channel=True), now=NIGHT
    )
    assert {d.not_before for d in deliveries} == {NIGHT}


def test_staff_sms_is_not_held_by_citizens_quiet_hours(config: NotifyConfig):
    deliveries = plan(rules=config.rules, event_type="sla.card_issued:red", context=context(), now=NIGHT)
    sms = [d for d in deliveries if d.channel is ChannelName.sms]
    assert [d.recipient_id for d in sms] == ["department:market"]
    assert sms[0].not_before == NIGHT


def test_citizen_channel_without_an_address_on_file_is_skipped(config: NotifyConfig):
    ctx = context(citizen=CitizenContact(phone="13812345678"))
    deliveries = plan(rules=config.rules, event_type="case.registered", context=ctx, now=DAYTIME)
    assert [(d.channel, d.address) for d in deliveries] == [(ChannelName.sms, "13812345678")]


def test_department_without_an_address_is_planned_so_the_gap_fails_visibly(config: NotifyConfig):
    ctx = context(lead_department="hr_social", assisting_departments=())
    deliveries = plan(rules=config.rules, event_type="workorder.dispatched", context=ctx, now=DAYTIME)
    addresses = {d.channel.value: d.address for d in deliveries}
    assert addresses == {"wecom": None, "email": "rsj@bancheng.example", "webhook": None}


def test_hotline_hears_only_of_cases_it_forwarded(config: NotifyConfig):
    plain = plan(rules=config.rules, event_type="case.replied", context=context(), now=DAYTIME)
    assert all(d.audience is not Audience.hotline for d in plain)
    forwarded = plan(
        rules=config.rules,
        event_type="case.replied",
        context=context(hotline_ticket_id="GD-2026-112233"),
        now=DAYTIME,
    )
    hotline = [d for d in forwarded if d.audience is Audience.hotline]
    assert [(d.channel, d.address, d.hotline_status) for d in hotline] == [
        (ChannelName.hotline_12345, "GD-2026-112233", HotlineStatus.replied)
    ]


def test_supervisors_hear_of_yellow_cards(config: NotifyConfig):
    deliveries = plan(rules=config.rules, event_type="sla.card_issued:yellow", context=context(), now=DAYTIME)
    assert {d.audience for d in deliveries} == {
        Audience.lead_department,
        Audience.hall_supervisor,
        Audience.district_supervisor,
    }


def test_event_without_a_rule_plans_nothing(config: NotifyConfig):
    assert plan(rules=config.rules, event_type="case.archived", context=context(), now=DAYTIME) == []


def test_each_district_is_told_by_its_own_pack(config: NotifyConfig):
    deliveries = plan(rules=config.rules, event_type="workorder.dispatched",
                      context=context(district="beijing-changping", hall_id="CPQ"), now=DAYTIME)
    assert ("department:market", "wecom") in routes(deliveries)
    assert all(d.variables["lead_department_name"] == "昌平区市场监督管理局" for d in deliveries)


def test_naive_now_is_refused(config: NotifyConfig):
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(rules=config.rules, event_type="case.accepted", context=context(), now=datetime(2026, 11, 23, 10))
