"""Intake's domain errors as problems (shared.problems): `InvalidInput` → 422 naming each field,
`DomainConflict` → 409; an illegal transition also says the case's state and the actions allowed now."""

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
