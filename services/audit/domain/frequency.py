"""High-frequency analysis (高频问题分析): the problems that keep coming back, and the ones rising.

The report that turns solving one case into solving one kind of case (从解决一个问题到解决一类问题).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from services.audit.domain.policy import FrequencyPolicy

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PROBLEM_FIELDS = ("matter", "kind", "hall")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemCount:
    """Cases of one (matter, kind, hall) received in one month (`YYYY-MM`, Shanghai calendar)."""

    matter: str
    kind: str | None  # None: not recorded
    hall: str | None
    month: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ProblemTrend:
    problem: tuple[str, ...]  # values of the report's `group_by` fields, in that order
    current: int  # cases in the report month
    baseline: Decimal  # mean per month over the lookback months (months without cases count as 0)
    total: int  # cases over the lookback months and the report month
    months_present: int
    rising: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HighFrequencyReport:
    month: str
    group_by: tuple[str, ...]
    recurring: tuple[ProblemTrend, ...]  # most cases first
    rising: tuple[ProblemTrend, ...]  # largest rise over the baseline first


def previous_months(month: str, count: int) -> list[str]:
    """The `count` months before `month`, oldest first. Raises ValueError on a malformed month."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    index = int(match[1]) * 12 + int(match[2]) - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count, index)]


def analyse_high_frequency(
    counts: Iterable[ProblemCount],
    *,
    month: str,
    policy: FrequencyPolicy,
    group_by: tuple[str, ...] = PROBLEM_FIELDS,
) -> HighFrequencyReport:
    """Rank recurring problems and flag rising ones for the report `month`.

    `group_by` picks the fields a problem is told apart by, e.g. ("matter", "kind") for a city-wide view
    across halls. Rising: this month ≥ `min_count` and ≥ `rise_ratio` × baseline (a new problem with no
    baseline rises once it reaches `min_count`). Recurring: cases in at least `recurring_min_months` of
    the window. Raises ValueError on an unknown group_by field or malformed month.
    """
    if not group_by or set(group_by) - set(PROBLEM_FIELDS):
        raise ValueError(f"group_by must be drawn from {PROBLEM_FIELDS}, got {group_by}")
    before = previous_months(month, policy.lookback_months)
    window = set(before) | {month}
    per_month: defaultdict[tuple[str, ...], defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in counts:
        if row.month in window:
            per_month[tuple(getattr(row, name) for name in group_by)][row.month] += row.count

    trends = []
    for problem, months in per_month.items():
        current = months.get(month, 0)
        baseline = Decimal(sum(months.get(m, 0) for m in before)) / len(before)
        trends.append(
            ProblemTrend(
                problem=problem,
                current=current,
                baseline=baseline,
                total=sum(months.values()),
                months_present=sum(1 for n in months.values() if n > 0),
                rising=current >= policy.min_count and current >= policy.rise_ratio * baseline,
            )
        )
    recurring = sorted(
        (t for t in trends if t.months_present >= policy.recurring_min_months),
        key=lambda t: (-t.total, -t.current, t.problem),
    )
    rising = sorted((t for t in trends if t.rising), key=lambda t: (-(t.current - t.baseline), t.problem))
    return HighFrequencyReport(
        month=month, group_by=group_by, recurring=tuple(recurring[: policy.top]), rising=tuple(rising[: policy.top])
    )
