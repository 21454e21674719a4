"""The 12345 performance assessment of departments: rates and card deductions per department."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.audit.domain.case_facts import CaseFacts
from services.audit.domain.policy import AssessmentPolicy
from services.audit.domain.statistics import Dimension, Tally, tally_by


@dataclass(frozen=True, slots=True, kw_only=True)
class DepartmentAssessment:
    department: str
    tally: Tally
    deduction: Decimal
    score: Decimal


def card_deduction(figures: Tally, *, policy: AssessmentPolicy) -> Decimal:
    return figures.yellow_cards * policy.yellow_card_points + figures.red_cards * policy.red_card_points


def assess_departments(rows: Iterable[CaseFacts], *, policy: AssessmentPolicy) -> tuple[DepartmentAssessment, ...]:
    """One line per lead department, lowest score first; cases never dispatched are the window's own
    and assess no department. The score is the base less deductions, never below zero."""
    return assess_tallies(tally_by(rows, dimension=Dimension.DEPARTMENT), policy=policy)


def assess_tallies(
    tallies: Mapping[tuple[str | None, str | None], Tally], *, policy: AssessmentPolicy
) -> tuple[DepartmentAssessment, ...]:
    """`assess_departments` over tallies already keyed by (department, period), e.g. summed in SQL."""
    lines = []
    for (department, _), figures in tallies.items():
        if department is None:
            continue
        deduction = card_deduction(figures, policy=policy)
        lines.append(
            DepartmentAssessment(
                department=department,
                tally=figures,
                deduction=deduction,
                score=max(Decimal(0), policy.base_score - deduction),
            )
        )
    return tuple(sorted(lines, key=lambda line: (line.score, line.department)))
