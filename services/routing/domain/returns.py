"""Returns (退单), re-routing after a return, and ping-pong detection.

Working days are counted by a callable: the shared calendar (shared.working_days: statutory holidays, adjusted
days, the overrides sla announces) plugs in.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from shared.clock import local_date

from .decision import Outcome, Reason, RoutingDecision, RoutingRequest
from .errors import InvalidRequest
from .policy import ReturnPolicy
from .router import Router
from .timezones import require_timezone
from .work_order import WorkOrder, WorkOrderState, require_department, require_state

# Working days after ``start`` up to and including ``end`` (Asia/Shanghai dates); 0 when end <= start.
WorkingDayCounter = Callable[[date, date], int]


class ReturnReason(StrEnum):
    wrong_locality = "wrong_locality"  # 属地不符
    unclear_ownership = "unclear_ownership"  # 权属不清
    overlapping_duties = "overlapping_duties"  # 职能交叉
    other = "other"  # 其他 (a note is required)


def return_window_open(order: WorkOrder, *, at: datetime, count_working_days: WorkingDayCounter,
                       window_working_days: int) -> bool:
    """True while ``at`` is within ``window_working_days`` working days of the order's dispatch."""
    require_timezone(at, field="at")
    return count_working_days(local_date(order.dispatched_at), local_date(at)) <= window_working_days


def return_work_order(order: WorkOrder, *, department: str, reason: ReturnReason | str | None, note: str,
                      at: datetime, count_working_days: WorkingDayCounter, window_working_days: int) -> WorkOrder:
    """退单: the department sends the order back with a reason code, within the return window."""
    require_timezone(at, field="returned_at")
    require_department(order, department)
    require_state(order, (WorkOrderState.dispatched, WorkOrderState.signed_for), action_en="return",
                  action_zh="退单")
    code = _reason(reason)
    if code is ReturnReason.other and not note.strip():
        raise InvalidRequest(en="a return for reason 'other' needs a note", zh="退单理由为“其他”时须填写说明")
    if not return_window_open(order, at=at, count_working_days=count_working_days,
                              window_working_days=window_working_days):
        raise InvalidRequest(
            en=f"work order {order.work_order_id} can be returned only within {window_working_days} "
               f"working days of dispatch",
            zh=f"工单 {order.work_order_id} 只能在派发后 {window_working_days} 个工作日内退单",
        )
    return replace(order, state=WorkOrderState.returned, return_reason=code.value, return_note=note,
                   returned_at=at)


@dataclass(frozen=True, slots=True, kw_only=True)
class SupervisorReferral:
    """The case goes to a supervisor (政务督办) instead of another department."""

    route: tuple[str, ...]
    reason: Reason


def detect_ping_pong(route: Sequence[str]) -> tuple[str, str] | None:
    """The first pair (A, B) where the lead went A → B → … → A again, else None."""
    last_seen: dict[str, int] = {}
    for i, department in enumerate(route):
        previous = last_seen.get(department)
        if previous is not None and previous < i - 1:
            return department, route[previous + 1]
        last_seen[department] = i
    return None


def check_reroute(*, route: Sequence[str], proposed: str) -> SupervisorReferral | None:
    """A supervisor referral if sending the case to ``proposed`` makes it bounce (A → B → A), else None."""
    return _ping_pong_referral([*route, proposed])


def _ping_pong_referral(route: Sequence[str]) -> SupervisorReferral | None:
    bounce = detect_ping_pong(route)
    if bounce is None:
        return None
    a, b = bounce
    return SupervisorReferral(route=tuple(route), reason=Reason(
        code="ping_pong", zh=f"工单在 {a} 与 {b} 之间来回流转，转政务督办专员研判",
        en=f"work order bounces between {a} and {b}; a supervisor decides"))


def reroute_after_return(*, router: Router, request: RoutingRequest, route: Sequence[str],
                         returns: Sequence[ReturnReason], coordinator: str,
                         policy: ReturnPolicy) -> RoutingDecision | SupervisorReferral:
    """Where the lead work order goes after its latest return.

    ``route`` lists the lead departments in dispatch order; ``returns`` the reason of each return so far.
    Returning departments are excluded; overlapping duties (职能交叉) hand the lead to the coordinator with
    the returning departments assisting; a wrong locality (属地不符) needs staff to find the right office.
    """
    if not returns:
        raise InvalidRequest(en="re-routing needs at least one return", zh="改派须基于至少一次退单")
    if len(returns) >= policy.max_returns:
        return SupervisorReferral(route=tuple(route), reason=Reason(
            code="too_many_returns", zh=f"已退单 {len(returns)} 次，转政务督办专员研判",
            en=f"returned {len(returns)} times; a supervisor decides"))
    bounce = _ping_pong_referral(route)
    if bounce is not None:
        return bounce
    decision = router.decide(replace(request, excluded_departments=frozenset(route)))
    latest = returns[-1]
    if latest is ReturnReason.overlapping_duties:
        assisting = tuple(dict.fromkeys((*route, *([decision.lead] if decision.lead else []), *decision.assisting)))
        return replace(decision, outcome=Outcome.routed, lead=coordinator,
                       assisting=tuple(c for c in assisting if c != coordinator), reasons=(*decision.reasons, Reason(
                           code="overlapping_duties", zh="退单理由为职能交叉，由政务服务协调机构牵头、相关部门协办",
                           en="returned for overlapping duties: the coordinator leads, the departments assist")))
    if latest is ReturnReason.wrong_locality:
        return replace(decision, outcome=Outcome.manual_triage, reasons=(*decision.reasons, Reason(
            code="wrong_locality", zh="退单理由为属地不符，需人工确认属地后派单",
            en="returned for wrong locality: staff confirm the competent locality")))
    return decision


def _reason(reason: ReturnReason | str | None) -> ReturnReason:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidRequest(en="a return needs a reason code", zh="退单须选择退单理由")
    try:
        return ReturnReason(reason)
    except ValueError:
        allowed = ", ".join(r.value for r in ReturnReason)
        raise InvalidRequest(en=f"unknown return reason {reason!r}; expected one of {allowed}",
                             zh=f"未知退单理由 {reason}，可选：{allowed}") from None
