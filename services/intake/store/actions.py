"""Lifecycle steps on a stored case: the domain decides, this module records and announces.

Every step writes a `case_transition` row (action, from, to, actor, time, reason) and stages the
matching case event, so the history staff see and the stream everyone else reads never differ.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from shared.consuming import Unit
from shared.events import case as events
from shared.events.base import Event
from shared.masking import mask_text
from shared.rows import row_values
from shared.topics import CASE_EVENTS
from services.intake import store
from services.intake.commands import ActionIn
from services.intake.domain.errors import DomainConflict, InvalidInput
from services.intake.domain.lifecycle import ActionKind, CaseAction, CaseState, CaseStatus, Satisfaction, transition
from services.intake.domain.missing_items import MissingItemRequest, list_missing_items

_A = ActionKind
# Steps whose `reason` is the substance of the event (the resolution, the reply), so required.
_TEXT_REQUIRED = {
    _A.resolve_on_spot: ("处理结果", "resolution"),
    _A.record_reply: ("答复内容", "reply"),
}


def case_status(case: store.Case) -> CaseStatus:
    return status_of(state=case.state, resume_to=case.resume_to)


def status_of(*, state: str, resume_to: str | None) -> CaseStatus:
    return CaseStatus(state=CaseState(state), resume_to=CaseState(resume_to) if resume_to else None)


async def _check_extras(unit: Unit, case: store.Case, action_in: ActionIn) -> store.Case | None:
    """The checks the state machine does not see; returns the merge target if any."""
    kind = action_in.action
    if action_in.missing_items and kind is not _A.accept:
        raise InvalidInput.single(field="missing_items", zh="只有受理时可以列明容缺材料",
                                  en="missing items are listed only when accepting")
    if kind is _A.refer_out_of_scope and not (action_in.referral_target or "").strip():
        raise InvalidInput.single(field="referral_target", zh="告知转交时须写明转交的部门或单位",
                                  en="say where the case is referred to")
    if kind in _TEXT_REQUIRED and not action_in.reason.strip():
        zh, en = _TEXT_REQUIRED[kind]
        raise InvalidInput.single(field="reason", zh=f"{zh}不能为空", en=f"the {en} must not be empty")
    if kind is _A.archive and any(item.state == "pending"
                                  for item in await store.missing_items(unit.session, case_id=case.id)):
        raise DomainConflict(zh="仍有容缺材料未补齐或免交,不能归档",
                             en="missing items are still pending; supply or waive them before archiving")
    if kind is not _A.merge_as_duplicate or not action_in.merged_into:
        return None
    target = await store.find_case_by_number(unit.session, case_number=action_in.merged_into.strip().upper())
    if target is None or target.id == case.id:
        raise InvalidInput.single(field="merged_into", zh="并入的案件编号不存在或就是本案",
                                  en="merged_into must be the number of another existing case")
    return target


@dataclass(frozen=True)
class Step:
    """What one lifecycle step writes besides the case row itself, and what it announces."""

    transition: dict[str, Any]  # a plain `case_transition` row: registration inserts it with Core
    missing_items: tuple[store.MissingItemRow, ...]
    events: list[Event]


def take_step(
    case: store.Case | SimpleNamespace, *, action_in: ActionIn, actor: str, now: datetime,
    target: store.Case | None = None, dispatch_round: int = 1,
) -> Step:
    """Move `case` (in memory) through one step; raises `IllegalTransition` and changes nothing then.
    Registration's own accept and forward use this directly: nothing there needs the database, and
    its case is a plain row behind attributes (`registration.case_write`), not a table instance."""
    action = CaseAction(
        kind=action_in.action, actor=actor, at=now, reason=action_in.reason,
        satisfaction=action_in.satisfaction, merged_into=action_in.merged_into,
    )
    before = case.state
    after = transition(status=case_status(case), action=action)
    reason = action_in.reason.strip()
    missing = ()
    if action_in.missing_items:
        missing = list_missing_items(
            requested=[MissingItemRequest(name=i.name, due_on=i.due_on, note=i.note) for i in action_in.missing_items],
            accepted_at=now,
        )
    case.state, case.resume_to = after.state.value, after.resume_to.value if after.resume_to else None
    case.updated_at = now
    if action.kind is _A.record_reply:
        case.reply = reason
    if action.kind is _A.record_callback:
        case.satisfaction = action_in.satisfaction.value
    if target is not None:
        case.merged_into = target.case_number
    return Step(
        transition=row_values(store.CaseTransition, case_id=case.id, action=action.kind.value,
                              from_state=before, to_state=case.state, actor=actor, at=now, reason=reason),
        missing_items=tuple(store.MissingItemRow(case_id=case.id, item_no=item.item_no, name=item.name,
                                                 note=item.note, due_on=item.due_on) for item in missing),
        events=_events(case, action_in, reason, missing, target, dispatch_round),
    )


async def act_on_case(
    unit: Unit, *, case: store.Case, action_in: ActionIn, actor: str, now: datetime, actor_detail: str | None = None
) -> store.Case:
    """Apply one step; raises `IllegalTransition` (409) or `InvalidInput` (422) and changes nothing."""
    target = await _check_extras(unit, case, action_in)
    # A redo (重办) forwards the case again: the next round of work orders.
    dispatch_round = (await store.dispatch_count(unit.session, case_id=case.id) + 1
                      if action_in.action is _A.dispatch else 1)
    step = take_step(case, action_in=action_in, actor=actor, now=now, target=target, dispatch_round=dispatch_round)
    unit.session.add_all([*step.missing_items, case, store.CaseTransition(**step.transition)])
    where = {"case_id": case.id, "district": case.district, "hall": case.hall, "actor": actor,
             "actor_detail": actor_detail}
    for event in step.events:
        await unit.emit(event, topic=CASE_EVENTS, **where)
    return case


def _events(case: store.Case, action_in: ActionIn, reason: str, missing, target, dispatch_round: int) -> list[Event]:
    number, kind = case.case_number, action_in.action
    if kind is _A.accept:
        listed = [events.MissingItem(item_no=i.item_no, name=i.name, due_on=i.due_on) for i in missing]
        return [events.CaseAccepted(case_number=number, missing_items=listed, reason=reason)]
    if kind is _A.dispatch:
        return [events.CaseForwarded(
            case_number=number, hall=case.hall, problem_kind=case.problem_kind, matter_code=case.matter_code,
            description=mask_text(case.description), tier=case.complexity_tier, green_channel=case.green_channel,
            suggested_departments=action_in.suggested_departments, reason=reason, round=dispatch_round,
            pack_version=case.pack_version,
        )]
    if kind is _A.record_callback:
        recorded = events.CallbackRecorded(case_number=number, satisfaction=action_in.satisfaction.value,
                                           comment=mask_text(reason))
        if action_in.satisfaction is Satisfaction.dissatisfied:
            return [recorded, events.CaseReopened(case_number=number, reason=reason or "回访不满意,重办")]
        return [recorded]
    single: dict[ActionKind, Callable[[], Event]] = {
        _A.resolve_on_spot: lambda: events.CaseResolvedOnSpot(case_number=number, resolution=reason),
        _A.refer_out_of_scope: lambda: events.CaseReferredOutOfScope(
            case_number=number, referral_target=action_in.referral_target.strip(), explanation=reason),
        _A.record_reply: lambda: events.CaseReplied(case_number=number, reply=reason),
        _A.review: lambda: events.CaseReviewed(case_number=number, note=reason),
        _A.archive: lambda: events.CaseArchived(case_number=number, exemplary=action_in.exemplary, solution=reason),
        _A.pause: lambda: events.CasePaused(case_number=number, reason=reason,
                                            expected_resume_on=action_in.expected_resume_on),
        _A.resume: lambda: events.CaseResumed(case_number=number, reason=reason),
        _A.withdraw: lambda: events.CaseWithdrawn(case_number=number, reason=reason),
        _A.merge_as_duplicate: lambda: events.CaseMerged(
            case_number=number, into_case_id=target.id, into_case_number=target.case_number, reason=reason),
    }
    return [single[kind]()]
