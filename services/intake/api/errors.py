"""Intake's refusals as problems (shared.problems): its domain errors — `InvalidInput` → 422 naming each field,
`DomainConflict` → 409, an illegal transition also saying the case's state and the actions allowed now — and
the 404s of its routes."""

from shared import problems
from shared.problems import FieldError, ProblemError, invalid
from services.intake.domain.errors import DomainConflict, InvalidInput
from services.intake.domain.lifecycle import IllegalTransition


def invalid_input(error: InvalidInput) -> ProblemError:
    return invalid(*(FieldError(field=p.field, zh=p.zh, en=p.en) for p in error.problems))


def conflict(error: DomainConflict) -> ProblemError:
    if isinstance(error, IllegalTransition):
        return ProblemError(409, zh=error.zh, en=error.en, state=error.state.value,
                            allowed_actions=[action.value for action in error.allowed])
    return ProblemError(409, zh=error.zh, en=error.en)


DOMAIN_ERRORS = {InvalidInput: invalid_input, DomainConflict: conflict}


def case_not_found(case_id: str) -> ProblemError:
    return problems.not_found(zh=f"案件 {case_id} 不存在", en=f"no case {case_id}")


def item_not_found(what_zh: str, what_en: str, number: int) -> ProblemError:
    return problems.not_found(zh=f"没有第{number}项{what_zh}", en=f"no {what_en} {number}")
