from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain.errors import InvalidInput
from services.intake.domain.lifecycle import (
    INITIAL_STATUS,
    TRANSITIONS,
    ActionKind,
    CaseAction,
    CaseState,
    CaseStatus,
    IllegalTransition,
    Satisfaction,
    allowed_actions,
    transition,
)

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def act(kind: ActionKind, **extra) -> CaseAction:
    return CaseAction(kind=kind, actor="staff-07", at=T0 + timedelta(minutes=1), **extra)


def walk(*actions: CaseAction, status: CaseStatus = INITIAL_STATUS) -> CaseStatus:
    for action in actions:
        status = transition(status=status, action=action)
    return status


def test_dispatched_case_walks_the_whole_loop_to_archive():
    status = walk(
        act(ActionKind.accept),
        act(ActionKind.dispatch),
        act(ActionKind.record_reply),
        act(ActionKind.record_callback, satisfaction=Satisfaction.basically_satisfied),
        act(ActionKind.review),
        act(ActionKind.archive),
    )
    assert status == CaseStatus(state=CaseState.archived)
    assert allowed_actions(status) == ()


def test_case_resolved_on_the_spot_still_gets_a_callback():
    status = walk(act(ActionKind.accept), act(ActionKind.resolve_on_spot))
    assert ActionKind.record_callback in allowed_actions(status)


def test_out_of_scope_parking_problem_is_referred_with_a_reason_and_archived():
    status = walk(act(ActionKind.refer_out_of_scope, reason="小区停车属物业管理,已告知并转交街道"))
    assert status.state is CaseState.referred_out_of_scope
    assert walk(act(ActionKind.archive), status=status).state is CaseState.archived


def test_referral_without_a_reason_is_invalid_input_naming_reason():
    with pytest.raises(InvalidInput) as excinfo:
        walk(act(ActionKind.refer_out_of_scope, reason="  "))
    assert excinfo.value.problems[0].field == "reason"


def test_dissatisfied_callback_reopens_the_case_for_redo():
    replied = walk(act(ActionKind.accept), act(ActionKind.dispatch), act(ActionKind.record_reply))
    reopened = walk(
        act(ActionKind.record_callback, satisfaction=Satisfaction.dissatisfied, reason="未解决"),
        status=replied,
    )
    assert reopened.state is CaseState.reopened
    assert walk(act(ActionKind.dispatch), status=reopened).state is CaseState.dispatched


def test_callback_needs_a_satisfaction_and_other_actions_refuse_one():
    replied = walk(act(ActionKind.accept), act(ActionKind.resolve_on_spot))
    with pytest.raises(InvalidInput) as missing:
        walk(act(ActionKind.record_callback), status=replied)
    with pytest.raises(InvalidInput) as stray:
        walk(act(ActionKind.accept, satisfaction=Satisfaction.satisfied))
    assert missing.value.problems[0].field == stray.value.problems[0].field == "satisfaction"


@pytest.mark.parametrize("before", [CaseState.accepted, CaseState.dispatched, CaseState.reopened])
def test_resume_returns_to_the_state_before_the_pause(before):
    paused = walk(act(ActionKind.pause, reason="经联社公示期"), status=CaseStatus(state=before))
    assert paused == CaseStatus(state=CaseState.paused, resume_to=before)
    assert walk(act(ActionKind.resume, reason="公示期满"), status=paused) == CaseStatus(state=before)


def test_paused_case_allows_only_resume_or_withdraw():
    paused = CaseStatus(state=CaseState.paused, resume_to=CaseState.dispatched)
    with pytest.raises(IllegalTransition) as excinfo:
        walk(act(ActionKind.record_reply), status=paused)
    assert excinfo.value.allowed == (ActionKind.resume, ActionKind.withdraw)
    assert "恢复、撤回" in excinfo.value.zh
    assert "allowed now: resume, withdraw" in excinfo.value.en


def test_illegal_transition_says_what_is_allowed_now_in_both_languages():
    with pytest.raises(IllegalTransition) as excinfo:
        walk(act(ActionKind.archive))
    error = excinfo.value
    assert error.state is CaseState.registered and error.action is ActionKind.archive
    assert error.zh.startswith("案件当前状态为「已登记」,不能执行「归档」")
    assert "受理" in error.zh and "并单" in error.zh
    assert "cannot archive a case in state registered" in error.en


def test_merge_as_duplicate_needs_the_surviving_case_number():
    with pytest.raises(InvalidInput) as excinfo:
        walk(act(ActionKind.merge_as_duplicate, reason="同一诉求"))
    assert excinfo.value.problems[0].field == "merged_into"
    merged = walk(act(ActionKind.merge_as_duplicate, reason="同一诉求",
                      merged_into="FT-20261121-0041"))
    assert merged.state is CaseState.merged_as_duplicate


def test_withdrawn_case_can_only_be_archived():
    withdrawn = walk(act(ActionKind.accept), act(ActionKind.withdraw, reason="申请人撤回"))
    assert allowed_actions(withdrawn) == (ActionKind.archive,)


def test_actions_with_naive_time_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CaseAction(kind=ActionKind.accept, actor="staff-07", at=datetime(2026, 11, 21, 9))


def test_inconsistent_stored_status_is_refused():
    with pytest.raises(ValueError):
        CaseStatus(state=CaseState.paused)
    with pytest.raises(ValueError):
        CaseStatus(state=CaseState.accepted, resume_to=CaseState.dispatched)
    with pytest.raises(ValueError):
        CaseStatus(state=CaseState.paused, resume_to=CaseState.archived)


def test_every_state_is_reachable_from_registration():
    reachable, frontier = {CaseState.registered}, [CaseState.registered]
    while frontier:
        for kind, target in TRANSITIONS[frontier.pop()].items():
            targets = {
                ActionKind.record_callback: {CaseState.callback_recorded, CaseState.reopened},
                ActionKind.resume: set(),  # returns to a state already reached
            }.get(kind, {target})
            for state in targets - reachable:
                reachable.add(state)
                frontier.append(state)
    assert reachable == set(CaseState)


def test_actions_without_an_actor_are_refused():
    with pytest.raises(ValueError, match="actor"):
        CaseAction(kind=ActionKind.accept, actor=" ", at=T0)
