"""One row of the audit read model per case: the facts statistics and search are computed from.

The store keeps it up to date from case, work-order and SLA events; the flags say whether a step ever
happened, `state` where the case stands now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.events.case import CaseState

# 办结: answered on the spot, referred out of scope, or replied and called back (then looked back at, archived).
# A withdrawn or merged case (撤回 / 并单) keeps its state through its archiving, so it is never counted closed.
CLOSED_STATES = frozenset({CaseState.resolved_on_spot, CaseState.referred_out_of_scope, CaseState.callback_recorded,
                           CaseState.reviewed, CaseState.archived})


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class CardColour(StrEnum):
    YELLOW = "yellow"  # 黄牌
    RED = "red"  # 红牌


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFacts:
    case_id: str
    received_at: datetime  # timezone-aware; periods are taken in Asia/Shanghai
    hall: str
    district: str
    department: str | None  # the lead department 主办, once dispatched
    channel: str
    kind: str
    matter: str | None
    state: CaseState
    accepted: bool = False  # 受理
    resolved_on_the_spot: bool = False  # 现场处理
    out_of_scope: bool = False
    dispatched: bool = False  # 转办
    replied: bool = False  # 答复
    on_time: bool | None = None  # None while the deadline is still running
    yellow_cards: int = 0
    red_cards: int = 0
    returns: int = 0  # 退单
    extensions: int = 0  # 延期
    redos: int = 0  # 重办: rounds reopened after a dissatisfied callback
    redo_overdue: int = 0  # a redo round's work-order deadlines missed
    consultation: bool = False  # 咨询, counted apart from 办件 cases where the district's pack says so
    in_coordination: bool = False  # 协调中: escalated to a coordinator, several departments around the table
    satisfaction: Satisfaction | None = None  # from the callback 回访; None when not rated

    @property
    def closed(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def resolved(self) -> bool:
        """Closed with the problem solved by the window or a department (out-of-scope referrals excluded)."""
        return self.closed and not self.out_of_scope

    @property
    def responded(self) -> bool:
        """Got a first answer: accepted, answered on the spot, or explained and referred as out of scope."""
        return self.accepted or self.resolved_on_the_spot or self.out_of_scope
