"""One vocabulary of case states: intake's lifecycle and the shared contract (which audit speaks) name the same."""

from shared.events.case import CaseState as SharedCaseState
from services.audit.domain.case_facts import CLOSED_STATES
from services.intake.domain.lifecycle import STATE_LABELS_ZH, CaseState


def test_intakes_states_are_the_shared_vocabulary() -> None:
    assert [state.value for state in CaseState] == [state.value for state in SharedCaseState]
    assert set(STATE_LABELS_ZH) == set(CaseState)


def test_audits_closed_states_are_named_in_it() -> None:
    assert set(SharedCaseState) >= CLOSED_STATES
