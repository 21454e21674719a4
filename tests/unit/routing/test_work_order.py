from datetime import timedelta

import pytest

from services.routing.domain.catalogue import Level
from services.routing.domain.errors import InvalidRequest, InvalidTransition, WrongDepartment
from services.routing.domain.work_order import (
    Role,
    WorkOrder,
    WorkOrderState,
    cancel,
    decide_extension,
    dispatch,
    escalate,
    record_meeting,
    reply,
    request_extension,
    sign_for,
)

from .conftest import utc

T0 = utc(2025, 3, 3, 1, 0)


@pytest.fixture
def order() -> WorkOrder:
    return dispatch(work_order_id="wo-1", case_id="case-1", department="housing", role=Role.lead, at=T0,
                    due_at=T0 + timedelta(days=7))


@pytest.fixture
def signed(order: WorkOrder) -> WorkOrder:
    return sign_for(order, department="housing", at=T0 + timedelta(hours=1))


def test_sign_for_starts_the_clock_and_reply_closes_the_order(signed: WorkOrder) -> None:
    assert signed.state is WorkOrderState.signed_for
    assert signed.signed_at == T0 + timedelta(hours=1)
    done = reply(signed, department="housing", text="已出具租赁凭证", at=T0 + timedelta(hours=3))
    assert done.state is WorkOrderState.replied
    assert (done.reply, done.replied_by, done.is_open) == ("已出具租赁凭证", "housing", False)


def test_reply_before_sign_for_is_refused_and_changes_nothing(order: WorkOrder) -> None:
    with pytest.raises(InvalidTransition) as err:
        reply(order, department="housing", text="已办结", at=T0)
    assert "signed for before a reply" in err.value.message_en
    assert "尚未签收" in err.value.message_zh
    assert order.state is WorkOrderState.dispatched


def test_other_department_cannot_sign_for_the_order(order: WorkOrder) -> None:
    with pytest.raises(WrongDepartment, match="addressed to housing, not market"):
        sign_for(order, department="market", at=T0)


def test_signing_twice_is_refused(signed: WorkOrder) -> None:
    with pytest.raises(InvalidTransition, match="cannot sign for"):
        sign_for(signed, department="housing", at=T0)


def test_empty_reply_is_refused(signed: WorkOrder) -> None:
    with pytest.raises(InvalidRequest, match="reply must not be empty"):
        reply(signed, department="housing", text="  ", at=T0)


def test_naive_datetime_is_refused(order: WorkOrder) -> None:
    with pytest.raises(InvalidRequest, match="timezone-aware"):
        sign_for(order, department="housing", at=T0.replace(tzinfo=None))


def test_approved_extension_moves_the_due_date_and_stays_visible(signed: WorkOrder) -> None:
    new_due = T0 + timedelta(days=20)
    pending = request_extension(signed, department="housing", new_due_at=new_due, legal_basis="经联社公示期30日",
                                reason="等待公示结束", at=T0 + timedelta(days=1))
    assert pending.state is WorkOrderState.extension_requested
    assert pending.due_at == signed.due_at
    approved = decide_extension(pending, approve=True, supervisor="sup-1", at=T0 + timedelta(days=2))
    assert approved.state is WorkOrderState.signed_for
    assert approved.due_at == new_due
    assert approved.extensions[-1].approved is True
    assert approved.extensions[-1].decided_by == "sup-1"


def test_rejected_extension_keeps_the_due_date_and_needs_a_reason(signed: WorkOrder) -> None:
    pending = request_extension(signed, department="housing", new_due_at=T0 + timedelta(days=20),
                                legal_basis="无", reason="人手不足", at=T0 + timedelta(days=1))
    with pytest.raises(InvalidRequest, match="reason for rejecting"):
        decide_extension(pending, approve=False, supervisor="sup-1", at=T0 + timedelta(days=2))
    rejected = decide_extension(pending, approve=False, supervisor="sup-1", at=T0 + timedelta(days=2),
                                comment="理由不充分")
    assert rejected.due_at == signed.due_at
    assert rejected.extensions[-1].approved is False


def test_extension_to_an_earlier_date_or_without_legal_basis_is_refused(signed: WorkOrder) -> None:
    with pytest.raises(InvalidRequest, match="must be after"):
        request_extension(signed, department="housing", new_due_at=T0 + timedelta(days=5), legal_basis="条例",
                          reason="等待", at=T0 + timedelta(days=1))
    with pytest.raises(InvalidRequest, match="legal_basis must not be empty"):
        request_extension(signed, department="housing", new_due_at=T0 + timedelta(days=20), legal_basis="",
                          reason="等待", at=T0 + timedelta(days=1))


def test_reply_is_blocked_while_an_extension_is_pending(signed: WorkOrder) -> None:
    pending = request_extension(signed, department="housing", new_due_at=T0 + timedelta(days=20),
                                legal_basis="条例", reason="等待", at=T0 + timedelta(days=1))
    with pytest.raises(InvalidTransition, match="extension_requested"):
        reply(pending, department="housing", text="已办结", at=T0 + timedelta(days=2))


def test_escalation_goes_up_to_the_city_and_the_coordinator_replies_after_a_meeting(signed: WorkOrder) -> None:
    district = escalate(signed, level=Level.district, coordinator="gov_data", actor="housing",
                        reason="需多部门协调", at=T0 + timedelta(days=1))
    with pytest.raises(InvalidTransition, match="already at district level"):
        escalate(district, level=Level.district, coordinator="gov_data", actor="sup-1", reason="再次", at=T0)
    city = escalate(district, level=Level.city, coordinator="city_gov_data", actor="gov_data",
                    reason="区级无法解决", at=T0 + timedelta(days=2))
    assert city.escalation_level is Level.city
    with pytest.raises(WrongDepartment, match="only the coordinator city_gov_data"):
        record_meeting(city, convened_by="gov_data", participants=("housing",), decision="x", held_at=T0)
    met = record_meeting(city, convened_by="city_gov_data", participants=("housing", "market", "经联社"),
                         decision="参照外市做法办理", held_at=T0 + timedelta(days=3))
    assert met.meetings[0].participants == ("housing", "market", "经联社")
    done = reply(met, department="city_gov_data", text="按会议决定办结", at=T0 + timedelta(days=4))
    assert done.replied_by == "city_gov_data"


def test_meeting_on_an_order_not_escalated_is_refused(signed: WorkOrder) -> None:
    with pytest.raises(InvalidTransition, match="record a meeting"):
        record_meeting(signed, convened_by="gov_data", participants=("housing",), decision="x", held_at=T0)


def test_an_open_order_of_a_withdrawn_case_is_cancelled_wherever_it_stands(order: WorkOrder,
                                                                           signed: WorkOrder) -> None:
    pending = request_extension(signed, department="housing", new_due_at=T0 + timedelta(days=20), legal_basis="条例",
                                reason="等待回函", at=T0 + timedelta(hours=2))
    for open_order in (order, signed, pending):
        cancelled = cancel(open_order, at=T0 + timedelta(days=1))
        assert (cancelled.state, cancelled.cancelled_at, cancelled.is_open) == (
            WorkOrderState.cancelled, T0 + timedelta(days=1), False)


def test_a_replied_or_cancelled_order_is_not_cancelled(signed: WorkOrder) -> None:
    done = reply(signed, department="housing", text="已办结", at=T0 + timedelta(hours=3))
    for ended in (done, cancel(signed, at=T0 + timedelta(hours=3))):
        with pytest.raises(InvalidTransition) as err:
            cancel(ended, at=T0 + timedelta(days=1))
        assert "cannot cancel" in err.value.message_en and "不能撤销" in err.value.message_zh


def test_a_cancelled_order_takes_no_more_actions(order: WorkOrder) -> None:
    cancelled = cancel(order, at=T0 + timedelta(hours=1))
    with pytest.raises(InvalidTransition) as err:
        sign_for(cancelled, department="housing", at=T0 + timedelta(hours=2))
    assert "已撤销" in err.value.message_zh
