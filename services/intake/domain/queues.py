"""The queues staff work from (工作队列): which cases each holds, and why a case counts as stuck.

Each queue is a set of states, sorted by the case's reply deadline (the one sla armed, earliest first;
cases without one last). Two are more than a state: `stuck` — forwarded (登记转发) longer ago than
`stuck_after_s` and no work order heard of from routing (the same cases the stuck-cases gauge counts) —
and `overdue` — the reply is still owed and its deadline has passed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .lifecycle import CaseState


class Queue(StrEnum):
    awaiting_acceptance = "awaiting_acceptance"  # 待受理: registered, 12345 orders among them
    awaiting_callback = "awaiting_callback"  # 待回访: replied, the citizen not yet called back
    reopened = "reopened"  # 重办
    paused = "paused"  # 暂停
    stuck = "stuck"  # 卡住: forwarded, no work order
    overdue = "overdue"  # 超期: the reply's deadline passed


# The states where the citizen's reply is still owed (the case's deadline runs).
REPLY_OWED = frozenset({CaseState.registered, CaseState.accepted, CaseState.dispatched, CaseState.reopened})

QUEUE_STATES: dict[Queue, frozenset[CaseState]] = {
    Queue.awaiting_acceptance: frozenset({CaseState.registered}),
    Queue.awaiting_callback: frozenset({CaseState.replied}),
    Queue.reopened: frozenset({CaseState.reopened}),
    Queue.paused: frozenset({CaseState.paused}),
    Queue.stuck: frozenset({CaseState.dispatched}),
    Queue.overdue: REPLY_OWED,
}


@dataclass(frozen=True)
class Stuck:
    """Why a case shows as stuck, in the words staff read (zh first)."""

    reason: str
    since: datetime
    zh: str
    en: str


def stuck_before(now: datetime, stuck_after_s: float) -> datetime:
    """A case forwarded before this and still without a work order is stuck."""
    return now - timedelta(seconds=stuck_after_s)


def stuck(*, state: str, forwarded_at: datetime, has_work_orders: bool, now: datetime,
          stuck_after_s: float) -> Stuck | None:
    """Whether a case is stuck now, and why; None when it is not."""
    if state != CaseState.dispatched or has_work_orders or forwarded_at >= stuck_before(now, stuck_after_s):
        return None
    minutes = round(stuck_after_s / 60)
    return Stuck(reason="no_work_order", since=forwarded_at,
                 zh=f"登记转发超过{minutes}分钟仍未收到工单,请核查派单",
                 en=f"no work order heard of more than {minutes} min after it was forwarded; check its routing")
