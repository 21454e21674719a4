from datetime import date

import pytest

from services.routing.domain.decision import Outcome, RoutingDecision, RoutingRequest
from services.routing.domain.errors import InvalidRequest, InvalidTransition
from services.routing.domain.returns import (
    ReturnReason,
    SupervisorReferral,
    check_reroute,
    detect_ping_pong,
    reroute_after_return,
    return_window_open,
    return_work_order,
)
from services.routing.domain.work_order import Role, WorkOrder, WorkOrderState, dispatch, reply, sign_for

from .conftest import utc, weekdays_between

FRIDAY_AFTERNOON = utc(2025, 3, 7, 8, 0)  # 16:00 in Shanghai
TUESDAY = utc(2025, 3, 11, 2, 0)
WEDNESDAY = utc(2025, 3, 12, 2, 0)


@pytest.fixture
def order() -> WorkOrder:
    return dispatch(work_order_id="wo-1", case_id="case-1", department="housing", role=Role.lead,
                    at=FRIDAY_AFTERNOON)


def give_back(order: WorkOrder, *, reason=ReturnReason.unclear_ownership, note: str = "", at=TUESDAY,
              counter=weekdays_between) -> WorkOrder:
    return return_work_order(order, department="housing", reason=reason, note=note, at=at,
                             count_working_days=counter, window_working_days=2)


def test_return_within_two_working_days_of_dispatch_is_allowed(order: WorkOrder) -> None:
    returned = give_back(order)
    assert returned.state is WorkOrderState.returned
    assert returned.return_reason == "unclear_ownership"


def test_return_after_the_window_is_refused(order: WorkOrder) -> None:
    with pytest.raises(InvalidRequest, match="within 2 working days") as err:
        give_back(order, at=WEDNESDAY)
    assert "2 个工作日内退单" in err.value.message_zh


def test_the_plugged_calendar_decides_the_window(order: WorkOrder) -> None:
    def monday_is_a_holiday(start: date, end: date) -> int:
        return weekdays_between(start, end) - (start < date(2025, 3, 10) <= end)

    assert return_window_open(order, at=WEDNESDAY, count_working_days=monday_is_a_holiday, window_working_days=2)
    assert give_back(order, at=WEDNESDAY, counter=monday_is_a_holiday).state is WorkOrderState.returned


def test_return_window_counts_shanghai_dates_not_utc_dates() -> None:
    # Thursday 17:00 UTC is Friday 01:00 in Shanghai: Tuesday is the 2nd working day after it, not the 3rd.
    late = dispatch(work_order_id="wo-2", case_id="c", department="housing", role=Role.lead,
                    at=utc(2025, 3, 6, 17, 0))
    assert return_window_open(late, at=TUESDAY, count_working_days=weekdays_between, window_working_days=2)
    assert not return_window_open(late, at=WEDNESDAY, count_working_days=weekdays_between, window_working_days=2)


@pytest.mark.parametrize("reason", [None, "", "not_my_job"])
def test_return_without_a_valid_reason_code_is_refused(order: WorkOrder, reason) -> None:
    with pytest.raises(InvalidRequest, match="reason"):
        give_back(order, reason=reason)


def test_return_for_other_reasons_needs_a_note(order: WorkOrder) -> None:
    with pytest.raises(InvalidRequest, match="needs a note"):
        give_back(order, reason="other")
    assert give_back(order, reason="other", note="系统外事项").return_note == "系统外事项"


def test_replied_order_cannot_be_returned(order: WorkOrder) -> None:
    signed = sign_for(order, department="housing", at=FRIDAY_AFTERNOON)
    done = reply(signed, department="housing", text="已办结", at=FRIDAY_AFTERNOON)
    with pytest.raises(InvalidTransition, match="cannot return"):
        give_back(done)


def test_ping_pong_between_two_departments_is_detected() -> None:
    assert detect_ping_pong(["market", "housing", "market"]) == ("market", "housing")
    assert detect_ping_pong(["market", "housing", "tax"]) is None
    referral = check_reroute(route=["market", "housing"], proposed="market")
    assert isinstance(referral, SupervisorReferral)
    assert referral.reason.code == "ping_pong"
    assert check_reroute(route=["market", "housing"], proposed="tax") is None


LEASE_FOR_SCHOOL = RoutingRequest(district="demo", problem_kind="other", description="孩子要入学，急需租赁凭证")


def test_returned_work_order_is_rerouted_to_another_department(router, demo) -> None:
    decision = reroute_after_return(router=router, request=LEASE_FOR_SCHOOL, route=["housing"],
                                    returns=[ReturnReason.unclear_ownership], coordinator="gov_data",
                                    policy=demo.policy.returns)
    assert isinstance(decision, RoutingDecision)
    assert decision.lead == "education"


def test_overlapping_duties_hand_the_lead_to_the_coordinator(router, demo) -> None:
    decision = reroute_after_return(router=router, request=LEASE_FOR_SCHOOL, route=["housing"],
                                    returns=[ReturnReason.overlapping_duties], coordinator="gov_data",
                                    policy=demo.policy.returns)
    assert isinstance(decision, RoutingDecision)
    assert decision.outcome is Outcome.routed
    assert decision.lead == "gov_data"
    assert decision.assisting[:2] == ("housing", "education")


def test_wrong_locality_goes_to_manual_triage(router, demo) -> None:
    decision = reroute_after_return(router=router, request=LEASE_FOR_SCHOOL, route=["housing"],
                                    returns=[ReturnReason.wrong_locality], coordinator="gov_data",
                                    policy=demo.policy.returns)
    assert isinstance(decision, RoutingDecision)
    assert decision.outcome is Outcome.manual_triage
    assert decision.reasons[-1].code == "wrong_locality"


def test_route_that_already_bounced_goes_to_a_supervisor(router, demo) -> None:
    outcome = reroute_after_return(router=router, request=LEASE_FOR_SCHOOL, route=["housing", "education", "housing"],
                                   returns=[ReturnReason.other] * 2, coordinator="gov_data",
                                   policy=demo.policy.returns.model_copy(update={"max_returns": 5}))
    assert isinstance(outcome, SupervisorReferral)
    assert outcome.reason.code == "ping_pong"


def test_too_many_returns_go_to_a_supervisor(router, demo) -> None:
    outcome = reroute_after_return(router=router, request=LEASE_FOR_SCHOOL, route=["housing", "education", "tax"],
                                   returns=[ReturnReason.unclear_ownership] * 3, coordinator="gov_data",
                                   policy=demo.policy.returns)
    assert isinstance(outcome, SupervisorReferral)
    assert outcome.reason.code == "too_many_returns"
