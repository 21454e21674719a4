import pytest

from services.routing.domain.case_reply import compose_case_reply, is_ready_for_case_reply, pending_work_orders
from services.routing.domain.errors import InvalidRequest, InvalidTransition, WrongDepartment
from services.routing.domain.returns import return_work_order
from services.routing.domain.work_order import Role, WorkOrder, cancel, dispatch, reply, sign_for

from .conftest import utc, weekdays_between

AT = utc(2025, 3, 3, 2, 0)


def answered(order: WorkOrder, text: str) -> WorkOrder:
    signed = sign_for(order, department=order.department, at=AT)
    return reply(signed, department=order.department, text=text, at=AT)


@pytest.fixture
def orders() -> list[WorkOrder]:
    return [
        dispatch(work_order_id="wo-lead", case_id="case-9", department="housing", role=Role.lead, at=AT),
        dispatch(work_order_id="wo-med", case_id="case-9", department="medical_insurance", role=Role.assisting, at=AT),
        dispatch(work_order_id="wo-civ", case_id="case-9", department="civil_affairs", role=Role.assisting, at=AT),
    ]


def test_case_is_not_replied_while_an_assisting_order_is_open(orders: list[WorkOrder]) -> None:
    orders[0] = answered(orders[0], "不符合租赁补贴条件")
    orders[1] = answered(orders[1], "可申请门诊慢特病待遇")
    assert not is_ready_for_case_reply(orders)
    assert [o.department for o in pending_work_orders(orders)] == ["civil_affairs"]
    with pytest.raises(InvalidTransition, match="waiting for civil_affairs") as err:
        compose_case_reply(orders=orders, department="housing", text="综合答复", at=AT)
    assert "civil_affairs" in err.value.message_zh


def test_lead_composes_the_reply_once_all_orders_are_replied(orders: list[WorkOrder]) -> None:
    orders = [answered(o, f"{o.department} 意见") for o in orders]
    assert is_ready_for_case_reply(orders)
    case_reply = compose_case_reply(
        orders=orders, department="housing", text="经住建、医保、民政会商，已办理临时救助", at=AT
    )
    assert case_reply.lead_department == "housing"
    assert [c.department for c in case_reply.contributions] == ["housing", "medical_insurance", "civil_affairs"]


def test_only_the_lead_department_composes_the_case_reply(orders: list[WorkOrder]) -> None:
    orders = [answered(o, "意见") for o in orders]
    with pytest.raises(WrongDepartment, match="only the lead department housing"):
        compose_case_reply(orders=orders, department="civil_affairs", text="答复", at=AT)


def test_returned_order_does_not_hold_the_case_back(orders: list[WorkOrder]) -> None:
    returned = return_work_order(orders[2], department="civil_affairs", reason="overlapping_duties", note="", at=AT,
                                 count_working_days=weekdays_between, window_working_days=2)
    orders = [answered(orders[0], "意见"), answered(orders[1], "意见"), returned]
    assert is_ready_for_case_reply(orders)
    assert len(compose_case_reply(orders=orders, department="housing", text="答复", at=AT).contributions) == 2


def test_case_without_live_orders_is_not_ready() -> None:
    assert not is_ready_for_case_reply([])


def test_a_case_whose_orders_were_cancelled_has_nothing_to_reply_to(orders: list[WorkOrder]) -> None:
    cancelled = [cancel(o, at=AT) for o in orders]
    assert not is_ready_for_case_reply(cancelled)
    with pytest.raises(InvalidRequest, match="no live work orders"):
        compose_case_reply(orders=cancelled, department="housing", text="已办结", at=AT)
