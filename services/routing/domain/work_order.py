"""The work order (工单) and its state machine. Each action returns a new WorkOrder or raises; nothing mutates.

dispatched → signed_for (签收, the clock starts) → replied (答复)
           ↘ returned (退单, see returns.py)          ↘ extension_requested (延期) → signed_for (approved or rejected)
dispatched | signed_for | escalated → escalated (提级, district then city coordinator) → replied
any open state → cancelled (撤销: the case was withdrawn or merged)
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .catalogue import Level
from .errors import InvalidRequest, InvalidTransition, SelfApproval, WrongDepartment
from .timezones import require_timezone


class WorkOrderState(StrEnum):
    dispatched = "dispatched"  # 已派发
    signed_for = "signed_for"  # 已签收
    extension_requested = "extension_requested"  # 延期申请中
    escalated = "escalated"  # 已提级
    replied = "replied"  # 已答复
    returned = "returned"  # 已退单
    cancelled = "cancelled"  # 已撤销


STATE_ZH = {
    WorkOrderState.dispatched: "已派发", WorkOrderState.signed_for: "已签收",
    WorkOrderState.extension_requested: "延期申请中", WorkOrderState.escalated: "已提级",
    WorkOrderState.replied: "已答复", WorkOrderState.returned: "已退单", WorkOrderState.cancelled: "已撤销",
}
ENDED = (WorkOrderState.replied, WorkOrderState.returned, WorkOrderState.cancelled)
OPEN = tuple(state for state in WorkOrderState if state not in ENDED)


class Role(StrEnum):
    lead = "lead"  # 主办
    assisting = "assisting"  # 协办


@dataclass(frozen=True, slots=True, kw_only=True)
class Extension:
    """An extension request (延期) and, once decided, the supervisor's decision."""

    requested_at: datetime
    new_due_at: datetime
    legal_basis: str
    reason: str
    requested_by: str = ""  # the actor who asked: never the one who decides
    approved: bool | None = None  # None while pending
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation:
    level: Level
    coordinator: str  # the coordinating body that now owns the order
    requested_by: str  # department or supervisor who escalated
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CoordinationMeeting:
    """A coordination meeting (协调会, the "吐槽室" round table) called by the coordinator."""

    held_at: datetime
    convened_by: str
    participants: tuple[str, ...]
    decision: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrder:
    work_order_id: str
    case_id: str
    department: str
    role: Role
    state: WorkOrderState
    dispatched_at: datetime
    due_at: datetime | None = None  # set by sla; an approved extension moves it
    signed_at: datetime | None = None
    reply: str | None = None
    replied_by: str | None = None
    replied_at: datetime | None = None
    return_reason: str | None = None  # a ReturnReason value
    return_note: str = ""
    returned_at: datetime | None = None
    cancelled_at: datetime | None = None
    extensions: tuple[Extension, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    meetings: tuple[CoordinationMeeting, ...] = ()

    @property
    def escalation_level(self) -> Level | None:
        return self.escalations[-1].level if self.escalations else None

    @property
    def is_open(self) -> bool:
        return self.state not in ENDED


def dispatch(*, work_order_id: str, case_id: str, department: str, role: Role, at: datetime,
             due_at: datetime | None = None) -> WorkOrder:
    """A new work order addressed to ``department``."""
    require_timezone(at, field="dispatched_at")
    if due_at is not None:
        require_timezone(due_at, field="due_at")
    return WorkOrder(work_order_id=work_order_id, case_id=case_id, department=department, role=role,
                     state=WorkOrderState.dispatched, dispatched_at=at, due_at=due_at)


def require_state(order: WorkOrder, allowed: tuple[WorkOrderState, ...], *, action_en: str, action_zh: str) -> None:
    """Raise InvalidTransition unless the order is in one of ``allowed``."""
    if order.state not in allowed:
        raise InvalidTransition(
            en=f"cannot {action_en} work order {order.work_order_id}: it is {order.state.value}",
            zh=f"工单 {order.work_order_id} 当前状态为“{STATE_ZH[order.state]}”，不能{action_zh}",
        )


def require_department(order: WorkOrder, department: str) -> None:
    """Raise WrongDepartment unless ``department`` is the one the order is addressed to."""
    if department != order.department:
        raise WrongDepartment(
            en=f"work order {order.work_order_id} is addressed to {order.department}, not {department}",
            zh=f"工单 {order.work_order_id} 派给 {order.department}，{department} 无权操作",
        )


def _require_text(value: str, *, field: str, field_zh: str) -> None:
    if not value.strip():
        raise InvalidRequest(en=f"{field} must not be empty", zh=f"{field_zh}不能为空")


def sign_for(order: WorkOrder, *, department: str, at: datetime) -> WorkOrder:
    """签收: the department accepts the order; its handling clock starts at ``at``."""
    require_timezone(at, field="signed_at")
    require_department(order, department)
    require_state(order, (WorkOrderState.dispatched,), action_en="sign for", action_zh="签收")
    return replace(order, state=WorkOrderState.signed_for, signed_at=at)


def reply(order: WorkOrder, *, department: str, text: str, at: datetime) -> WorkOrder:
    """答复 with the result; only after sign-for, or by the coordinator an escalated order reached."""
    require_timezone(at, field="replied_at")
    if order.state is WorkOrderState.dispatched:
        raise InvalidTransition(en=f"work order {order.work_order_id} must be signed for before a reply",
                                zh=f"工单 {order.work_order_id} 尚未签收，不能答复")
    require_state(order, (WorkOrderState.signed_for, WorkOrderState.escalated), action_en="reply to", action_zh="答复")
    if department != order.department and not any(e.coordinator == department for e in order.escalations):
        require_department(order, department)
    _require_text(text, field="reply", field_zh="答复内容")
    return replace(order, state=WorkOrderState.replied, reply=text, replied_by=department, replied_at=at)


def request_extension(order: WorkOrder, *, department: str, new_due_at: datetime, legal_basis: str,
                      reason: str, at: datetime, requested_by: str = "") -> WorkOrder:
    """延期 request: a new due date with its legal basis and reason, pending a supervisor's decision."""
    require_timezone(at, field="requested_at")
    require_timezone(new_due_at, field="new_due_at")
    require_department(order, department)
    require_state(order, (WorkOrderState.signed_for,), action_en="request an extension for", action_zh="申请延期")
    _require_text(legal_basis, field="legal_basis", field_zh="法律依据")
    _require_text(reason, field="reason", field_zh="延期理由")
    floor = max(at, order.due_at) if order.due_at else at
    if new_due_at <= floor:
        raise InvalidRequest(en=f"new due date {new_due_at.isoformat()} must be after {floor.isoformat()}",
                             zh=f"延期后的期限 {new_due_at.isoformat()} 必须晚于 {floor.isoformat()}")
    extension = Extension(requested_at=at, new_due_at=new_due_at, legal_basis=legal_basis, reason=reason,
                          requested_by=requested_by)
    return replace(order, state=WorkOrderState.extension_requested, extensions=(*order.extensions, extension))


def decide_extension(order: WorkOrder, *, approve: bool, supervisor: str, at: datetime,
                     comment: str = "") -> WorkOrder:
    """The supervisor approves (the due date moves) or rejects (it stays); the order is signed_for again."""
    require_timezone(at, field="decided_at")
    require_state(order, (WorkOrderState.extension_requested,), action_en="decide an extension of",
                  action_zh="审批延期")
    if order.extensions[-1].requested_by and order.extensions[-1].requested_by == supervisor:
        raise SelfApproval(en="an extension is decided by a supervisor other than its requester",
                           zh="延期申请人不得审批本人的延期申请")
    if not approve:
        _require_text(comment, field="comment (reason for rejecting)", field_zh="驳回理由")
    pending = replace(order.extensions[-1], approved=approve, decided_by=supervisor, decided_at=at, comment=comment)
    return replace(order, state=WorkOrderState.signed_for, extensions=(*order.extensions[:-1], pending),
                   due_at=pending.new_due_at if approve else order.due_at)


def escalate(order: WorkOrder, *, level: Level, coordinator: str, actor: str, reason: str,
             at: datetime) -> WorkOrder:
    """提级 to the ``coordinator`` at ``level``; only upwards (district → city)."""
    require_timezone(at, field="escalated_at")
    require_state(order, (WorkOrderState.dispatched, WorkOrderState.signed_for, WorkOrderState.escalated),
                  action_en="escalate", action_zh="提级")
    _require_text(reason, field="reason", field_zh="提级理由")
    current = order.escalation_level
    if current is not None and _LEVEL_RANK[level] <= _LEVEL_RANK[current]:
        raise InvalidTransition(en=f"work order {order.work_order_id} is already at {current.value} level",
                                zh=f"工单 {order.work_order_id} 已提级至{_LEVEL_ZH[current]}，只能继续向上提级")
    step = Escalation(level=level, coordinator=coordinator, requested_by=actor, reason=reason, at=at)
    return replace(order, state=WorkOrderState.escalated, escalations=(*order.escalations, step))


def cancel(order: WorkOrder, *, at: datetime) -> WorkOrder:
    """撤销: the case ended without a reply (withdrawn, merged, referred out of scope), or an assisting order's
    lead was returned and the case routed elsewhere, so an open order stops where it is."""
    require_timezone(at, field="cancelled_at")
    require_state(order, OPEN, action_en="cancel", action_zh="撤销")
    return replace(order, state=WorkOrderState.cancelled, cancelled_at=at)


def record_meeting(order: WorkOrder, *, convened_by: str, participants: tuple[str, ...], decision: str,
                   held_at: datetime) -> WorkOrder:
    """Record a coordination meeting on an escalated order: who took part and what was decided."""
    require_timezone(held_at, field="held_at")
    require_state(order, (WorkOrderState.escalated,), action_en="record a meeting on", action_zh="记录协调会")
    if convened_by != order.escalations[-1].coordinator:
        raise WrongDepartment(en=f"only the coordinator {order.escalations[-1].coordinator} convenes meetings on "
                                 f"work order {order.work_order_id}",
                              zh=f"工单 {order.work_order_id} 的协调会只能由 {order.escalations[-1].coordinator} 召集")
    if not participants:
        raise InvalidRequest(en="a meeting needs participants", zh="协调会须记录参会单位")
    _require_text(decision, field="decision", field_zh="会议决定")
    meeting = CoordinationMeeting(held_at=held_at, convened_by=convened_by, participants=participants,
                                  decision=decision)
    return replace(order, meetings=(*order.meetings, meeting))


_LEVEL_RANK = {Level.district: 0, Level.city: 1}
_LEVEL_ZH = {Level.district: "区级", Level.city: "市级"}
