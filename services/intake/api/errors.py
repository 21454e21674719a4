"""Intake's refusals as problems (shared.problems): its domain errors — `InvalidInput` → 422 naming each field,
`DomainConflict` → 409, an illegal transition also saying the case's state and the actions allowed now — and
the 404s of its routes."""

from shared import problems
from shared.problems import FieldError, ProblemError, invalid
from services.intake.domain.attachments import RefusedFile
from services.intake.domain.errors import DomainConflict, InvalidInput
from services.intake.domain.lifecycle import IllegalTransition
from services.intake.store.scanning import ScannerUnavailable


def invalid_input(error: InvalidInput) -> ProblemError:
    return invalid(*(FieldError(field=p.field, zh=p.zh, en=p.en) for p in error.problems))


def conflict(error: DomainConflict) -> ProblemError:
    if isinstance(error, IllegalTransition):
        return ProblemError(409, zh=error.zh, en=error.en, state=error.state.value,
                            allowed_actions=[action.value for action in error.allowed])
    return ProblemError(409, zh=error.zh, en=error.en)


def refused_file(error: RefusedFile) -> ProblemError:
    """413 too large, 415 a type not allowed or not the one declared, 422 otherwise; the field is named."""
    (problem,) = error.problems
    return ProblemError(error.status, zh=problem.zh, en=problem.en,
                        errors=[FieldError(field=problem.field, zh=problem.zh, en=problem.en)])


def scanner_unavailable(error: ScannerUnavailable) -> ProblemError:
    """The scanner gave no verdict: the file is not taken unscanned; the client may try again."""
    return ProblemError(503, zh="文件安全扫描暂不可用,请稍后再试",
                        en="the file scanner is unavailable; try again later", headers={"Retry-After": "30"})


DOMAIN_ERRORS = {InvalidInput: invalid_input, DomainConflict: conflict, RefusedFile: refused_file,
                 ScannerUnavailable: scanner_unavailable}


def case_not_found(case_id: str) -> ProblemError:
    return problems.not_found(zh=f"案件 {case_id} 不存在", en=f"no case {case_id}")


def item_not_found(what_zh: str, what_en: str, number: int) -> ProblemError:
    return problems.not_found(zh=f"没有第{number}项{what_zh}", en=f"no {what_en} {number}")
