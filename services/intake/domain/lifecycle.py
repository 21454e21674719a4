"""The case lifecycle as an explicit state machine.

    registered → accepted → resolved_on_spot | referred_out_of_scope | dispatched
    dispatched → replied → callback_recorded → reviewed → archived
    a dissatisfied callback → reopened (重办) → dispatched | resolved_on_spot
    paused ⇄ (accepted | dispatched | reopened), withdrawn, merged_as_duplicate → archived

Referral out of scope is allowed from `registered` too: staff often see at once that a problem
(a residential parking dispute) is not a government service and explain it before accepting; and from
`dispatched`, when routing's out-of-scope rules advise it after the forward and staff confirm the advice.
`transition` is the only way to change state; it never reads a clock: the action carries the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.clock import require_aware

from .errors import DomainConflict, InvalidInput
from .limits import REASON_MAX_CHARS
from .text import validate_text


class CaseState(StrEnum):
    registered = "registered"  # 登记
    accepted = "accepted"  # 受理
    resolved_on_spot = "resolved_on_spot"  # 现场处理
    referred_out_of_scope = "referred_out_of_scope"  # 不属于受理范围, explained and transferred
    dispatched = "dispatched"  # 登记转发
    replied = "replied"  # 答复: every work order answered
    callback_recorded = "callback_recorded"  # 回访
    reopened = "reopened"  # 重办 after a dissatisfied callback
    reviewed = "reviewed"  # 回头看
    archived = "archived"  # 归档
    paused = "paused"  # 暂停 (public-notice period, waiting for an outside body)
    withdrawn = "withdrawn"  # 撤回
    merged_as_duplicate = "merged_as_duplicate"  # 并单


class ActionKind(StrEnum):
    accept = "accept"
    resolve_on_spot = "resolve_on_spot"
    refer_out_of_scope = "refer_out_of_scope"
    dispatch = "dispatch"
    record_reply = "record_reply"
    record_callback = "record_callback"
    review = "review"
    archive = "archive"
    pause = "pause"
    resume = "resume"
    withdraw = "withdraw"
    merge_as_duplicate = "merge_as_duplicate"


class Satisfaction(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    dissatisfied = "dissatisfied"  # 不满意


STATE_LABELS_ZH: dict[CaseState, str] = {
    CaseState.registered: "已登记", CaseState.accepted: "已受理",
    CaseState.resolved_on_spot: "现场处理", CaseState.referred_out_of_scope: "不属于受理范围",
    CaseState.dispatched: "登记转发", CaseState.replied: "已答复",
    CaseState.callback_recorded: "已回访", CaseState.reopened: "重办",
    CaseState.reviewed: "已回头看", CaseState.archived: "已归档", CaseState.paused: "已暂停",
    CaseState.withdrawn: "已撤回", CaseState.merged_as_duplicate: "已并单",
}
ACTION_LABELS_ZH: dict[ActionKind, str] = {
    ActionKind.accept: "受理", ActionKind.resolve_on_spot: "现场处理",
    ActionKind.refer_out_of_scope: "告知并转交(不属于受理范围)", ActionKind.dispatch: "登记转发",
    ActionKind.record_reply: "登记答复", ActionKind.record_callback: "登记回访",
    ActionKind.review: "回头看", ActionKind.archive: "归档", ActionKind.pause: "暂停",
    ActionKind.resume: "恢复", ActionKind.withdraw: "撤回", ActionKind.merge_as_duplicate: "并单",
}

_A = ActionKind
_S = CaseState
# state → action → next state; `record_callback` and `resume` are resolved in `transition`.
TRANSITIONS: dict[CaseState, dict[ActionKind, CaseState | None]] = {
    _S.registered: {_A.accept: _S.accepted, _A.refer_out_of_scope: _S.referred_out_of_scope,
                    _A.withdraw: _S.withdrawn, _A.merge_as_duplicate: _S.merged_as_duplicate},
    _S.accepted: {_A.resolve_on_spot: _S.resolved_on_spot,
                  _A.refer_out_of_scope: _S.referred_out_of_scope, _A.dispatch: _S.dispatched,
                  _A.pause: _S.paused, _A.withdraw: _S.withdrawn,
                  _A.merge_as_duplicate: _S.merged_as_duplicate},
    _S.dispatched: {_A.record_reply: _S.replied, _A.refer_out_of_scope: _S.referred_out_of_scope,
                    _A.pause: _S.paused, _A.withdraw: _S.withdrawn, _A.merge_as_duplicate: _S.merged_as_duplicate},
    _S.resolved_on_spot: {_A.record_callback: None},
    _S.replied: {_A.record_callback: None},
    _S.callback_recorded: {_A.review: _S.reviewed},
    _S.reopened: {_A.dispatch: _S.dispatched, _A.resolve_on_spot: _S.resolved_on_spot,
                  _A.pause: _S.paused, _A.withdraw: _S.withdrawn},
    _S.reviewed: {_A.archive: _S.archived},
    _S.referred_out_of_scope: {_A.archive: _S.archived},
    _S.withdrawn: {_A.archive: _S.archived},
    _S.merged_as_duplicate: {_A.archive: _S.archived},
    _S.paused: {_A.resume: None, _A.withdraw: _S.withdrawn},
    _S.archived: {},
}
PAUSABLE = frozenset(state for state, moves in TRANSITIONS.items() if ActionKind.pause in moves)
# Actions whose reason is part of the record the citizen and the supervisor will read.
REASON_REQUIRED = frozenset(
    {_A.refer_out_of_scope, _A.pause, _A.resume, _A.withdraw, _A.merge_as_duplicate}
)


@dataclass(frozen=True, kw_only=True)
class CaseStatus:
    """Where a case stands; `resume_to` is the state a paused case returns to, else None."""

    state: CaseState
    resume_to: CaseState | None = None

    def __post_init__(self) -> None:
        # Rebuilt from storage by the caller, so an inconsistent pair is refused here.
        if (self.state is CaseState.paused) != (self.resume_to in PAUSABLE):
            raise ValueError(f"inconsistent status: {self.state} resuming to {self.resume_to}")


INITIAL_STATUS = CaseStatus(state=CaseState.registered)


@dataclass(frozen=True, kw_only=True)
class CaseAction:
    """One step on a case by `actor` at `at` (timezone-aware); becomes one case event."""

    kind: ActionKind
    actor: str
    at: datetime
    reason: str = ""
    satisfaction: Satisfaction | None = None  # record_callback only
    merged_into: str | None = None  # merge_as_duplicate only: the surviving case's number

    def __post_init__(self) -> None:
        require_aware(self.at, field="CaseAction.at")
        if not self.actor.strip():
            raise ValueError("CaseAction.actor must name who acted")  # comes from auth, not input


class IllegalTransition(DomainConflict):
    """The action is not allowed in the current state; the message lists what is allowed now."""

    def __init__(self, *, state: CaseState, action: ActionKind, allowed: tuple[ActionKind, ...]):
        self.state, self.action, self.allowed = state, action, allowed
        allowed_zh = "、".join(ACTION_LABELS_ZH[a] for a in allowed) or "无(案件已归档)"
        allowed_en = ", ".join(allowed) or "none (the case is archived)"
        super().__init__(
            zh=f"案件当前状态为「{STATE_LABELS_ZH[state]}」,不能执行「{ACTION_LABELS_ZH[action]}」;"
            f"现在允许的操作:{allowed_zh}",
            en=f"cannot {action} a case in state {state}; allowed now: {allowed_en}",
        )


def allowed_actions(status: CaseStatus) -> tuple[ActionKind, ...]:
    """The actions allowed in `status`, in a stable order (for buttons and error messages)."""
    return tuple(TRANSITIONS[status.state])


def _check_payload(action: CaseAction) -> None:
    if action.kind in REASON_REQUIRED:
        validate_text(action.reason, field="reason", label_zh="原因", label_en="reason",
                      max_chars=REASON_MAX_CHARS)
    else:
        validate_text(action.reason, field="reason", label_zh="原因", label_en="reason",
                      max_chars=REASON_MAX_CHARS, required=False)
    if (action.kind is ActionKind.record_callback) != (action.satisfaction is not None):
        raise InvalidInput.single(
            field="satisfaction",
            zh="满意度只能且必须在登记回访时填写",
            en="satisfaction is required with a callback and only with a callback",
        )
    if (action.kind is ActionKind.merge_as_duplicate) != bool(action.merged_into):
        raise InvalidInput.single(
            field="merged_into",
            zh="并单时须填写并入的案件编号,其他操作不填写",
            en="merged_into is required when merging as a duplicate and only then",
        )


def transition(*, status: CaseStatus, action: CaseAction) -> CaseStatus:
    """Return the status after `action`, or raise `IllegalTransition` (409) when the state
    forbids it, or `InvalidInput` (422) when the action lacks its reason/satisfaction/target."""
    allowed = TRANSITIONS[status.state]
    if action.kind not in allowed:
        raise IllegalTransition(
            state=status.state, action=action.kind, allowed=allowed_actions(status)
        )
    _check_payload(action)
    if action.kind is ActionKind.pause:
        return CaseStatus(state=CaseState.paused, resume_to=status.state)
    if action.kind is ActionKind.resume and status.resume_to is not None:  # always set when paused
        return CaseStatus(state=status.resume_to)
    if action.kind is ActionKind.record_callback:
        if action.satisfaction is Satisfaction.dissatisfied:
            return CaseStatus(state=CaseState.reopened)
        return CaseStatus(state=CaseState.callback_recorded)
    next_state = allowed[action.kind]
    if next_state is None:
        raise AssertionError(f"no target for {action.kind} from {status.state}")
    return CaseStatus(state=next_state)
