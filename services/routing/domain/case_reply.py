"""A case's reply: due only when every live work order is replied; the lead department composes it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .errors import InvalidRequest, InvalidTransition, WrongDepartment
from .timezones import require_timezone
from .work_order import Role, WorkOrder, WorkOrderState


@dataclass(frozen=True, slots=True, kw_only=True)
class Contribution:
    department: str
    role: Role
    reply: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseReply:
    """The one answer the person gets (件件有回复), composed by the lead from every department's reply."""

    case_id: str
    lead_department: str
    text: str
    replied_at: datetime
    contributions: tuple[Contribution, ...]


def live_work_orders(orders: Sequence[WorkOrder]) -> tuple[WorkOrder, ...]:
    """Orders that count for the case: a returned order was superseded by its re-routing, a cancelled one
    ended with the case."""
    return tuple(o for o in orders if o.state not in (WorkOrderState.returned, WorkOrderState.cancelled))


def pending_work_orders(orders: Sequence[WorkOrder]) -> tuple[WorkOrder, ...]:
    """Live orders still waiting for a reply."""
    return tuple(o for o in live_work_orders(orders) if o.state is not WorkOrderState.replied)


def is_ready_for_case_reply(orders: Sequence[WorkOrder]) -> bool:
    """True when the case has live work orders and all of them are replied."""
    return bool(live_work_orders(orders)) and not pending_work_orders(orders)


def compose_case_reply(*, orders: Sequence[WorkOrder], department: str, text: str, at: datetime) -> CaseReply:
    """The lead department's reply for the whole case; refuses while any work order is unanswered."""
    require_timezone(at, field="replied_at")
    live = live_work_orders(orders)
    if not live:
        raise InvalidRequest(en="the case has no live work orders", zh="该案件没有有效工单")
    case_ids = {o.case_id for o in live}
    if len(case_ids) > 1:
        raise InvalidRequest(en=f"work orders of several cases given: {sorted(case_ids)}",
                             zh=f"传入了多个案件的工单：{sorted(case_ids)}")
    leads = [o for o in live if o.role is Role.lead]
    if len(leads) != 1:
        raise InvalidRequest(en=f"a case needs exactly one live lead work order, found {len(leads)}",
                             zh=f"案件须有且仅有一张有效主办工单，现有 {len(leads)} 张")
    lead = leads[0]
    if department != lead.department:
        raise WrongDepartment(en=f"only the lead department {lead.department} composes the case reply",
                              zh=f"案件答复须由主办部门 {lead.department} 汇总，{department} 无权答复")
    pending = pending_work_orders(orders)
    if pending:
        waiting = ", ".join(o.department for o in pending)
        raise InvalidTransition(en=f"the case cannot be replied yet: waiting for {waiting}",
                                zh=f"尚有工单未答复（{waiting}），案件暂不能答复")
    if not text.strip():
        raise InvalidRequest(en="the case reply must not be empty", zh="案件答复内容不能为空")
    contributions = tuple(Contribution(department=o.department, role=o.role, reply=o.reply or "") for o in live)
    return CaseReply(case_id=lead.case_id, lead_department=lead.department, text=text, replied_at=at,
                     contributions=contributions)
