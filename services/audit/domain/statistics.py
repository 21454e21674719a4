"""Counts and the three rates of the 12345 assessment, per dimension and period, as pure functions.

These are the definitions; at scale the store computes the same figures in SQL and its integration tests
compare against `tally`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from shared.clock import local_time
from services.audit.domain.case_facts import CaseFacts, Satisfaction


class Dimension(StrEnum):
    HALL = "hall"
    DISTRICT = "district"
    DEPARTMENT = "department"
    CHANNEL = "channel"
    KIND = "kind"
    MATTER = "matter"


class Period(StrEnum):
    DAY = "day"  # 2021-09-08
    WEEK = "week"  # 2021-W36 (ISO week)
    MONTH = "month"  # 2021-09
    QUARTER = "quarter"  # 2021-Q3
    YEAR = "year"  # 2021


def period_label(moment: datetime, period: Period) -> str:
    """The period `moment` falls in, on the Shanghai calendar. Raises ValueError for a naive datetime."""
    local = local_time(moment, field="moment")
    match period:
        case Period.DAY:
            return local.date().isoformat()
        case Period.WEEK:
            year, week, _ = local.isocalendar()
            return f"{year}-W{week:02d}"
        case Period.MONTH:
            return f"{local.year}-{local.month:02d}"
        case Period.QUARTER:
            return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
        case Period.YEAR:
            return str(local.year)


@dataclass(frozen=True, slots=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> Fraction | None:
        """Exact; None when there is nothing to rate (never a misleading 0% or 100%)."""
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    def percent(self, digits: int = 1) -> float | None:
        return None if self.value is None else round(float(self.value * 100), digits)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    received: int = 0
    accepted: int = 0  # 受理
    resolved_on_the_spot: int = 0  # 现场处理
    out_of_scope: int = 0
    dispatched: int = 0  # 转办
    replied: int = 0  # 答复
    responded: int = 0
    resolved: int = 0
    closed: int = 0  # 办结, out-of-scope referrals included
    on_time: int = 0
    overdue: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    returns: int = 0  # 退单
    extensions: int = 0  # 延期
    rated: int = 0
    satisfied: int = 0  # satisfied or basically satisfied
    redos: int = 0  # 重办: redo rounds after a dissatisfied callback
    redo_overdue: int = 0  # a redo round's work-order deadlines missed (its lateness)
    # 咨询: received, counted apart from 办件 cases where the district's pack says so (Chengzhong: 44 = 30 + 14);
    # every other count and rate is of cases only.
    consultations: int = 0

    @property
    def cases(self) -> int:
        """办件: what was received, consultations apart."""
        return self.received - self.consultations

    @property
    def in_progress(self) -> int:
        return self.cases - self.closed

    @property
    def response_rate(self) -> Rate:
        """响应率: cases that got a first answer (accepted, answered on the spot, or explained and
        referred as out of scope) over cases received (consultations apart)."""
        return Rate(self.responded, self.cases)

    @property
    def resolution_rate(self) -> Rate:
        """解决率: cases closed with the problem solved over cases received, out-of-scope cases left out of
        both (they are referred, not the window's to solve), consultations apart."""
        return Rate(self.resolved, self.cases - self.out_of_scope)

    @property
    def satisfaction_rate(self) -> Rate:
        """满意率: callbacks answered satisfied or basically satisfied over callbacks with a rating;
        cases not (yet) rated are left out."""
        return Rate(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> Rate:
        """按时办结率: on time over cases whose deadline has been decided (met or missed)."""
        return Rate(self.on_time, self.on_time + self.overdue)


COUNTED = tuple(field.name for field in fields(Tally))


def contributions(row: CaseFacts) -> tuple[int, ...]:
    """What one case adds to each count of `Tally`, in `COUNTED` order; a consultation (咨询) adds only to
    `received` and `consultations`."""
    if row.consultation:
        return tuple(int(name in ("received", "consultations")) for name in COUNTED)
    values = {
        "received": 1,
        "accepted": row.accepted,
        "resolved_on_the_spot": row.resolved_on_the_spot,
        "out_of_scope": row.out_of_scope,
        "dispatched": row.dispatched,
        "replied": row.replied,
        "responded": row.responded,
        "resolved": row.resolved,
        "closed": row.closed,
        "on_time": row.on_time is True,
        "overdue": row.on_time is False,
        "yellow_cards": row.yellow_cards,
        "red_cards": row.red_cards,
        "returns": row.returns,
        "extensions": row.extensions,
        "rated": row.satisfaction is not None,
        "satisfied": row.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED),
        "redos": row.redos,
        "redo_overdue": row.redo_overdue,
        "consultations": 0,
    }
    return tuple(int(values[name]) for name in COUNTED)


def tally(rows: Iterable[CaseFacts]) -> Tally:
    sums = [0] * len(COUNTED)
    for row in rows:
        sums = [total + part for total, part in zip(sums, contributions(row), strict=True)]
    return Tally(**dict(zip(COUNTED, sums, strict=True)))


def tally_by(
    rows: Iterable[CaseFacts], *, dimension: Dimension | None = None, period: Period | None = None
) -> dict[tuple[str | None, str | None], Tally]:
    """Tallies keyed by (dimension value, period label); a None part means "not split that way".

    Cases without a value for the dimension (e.g. no department yet) are keyed under None.
    """
    groups: defaultdict[tuple[str | None, str | None], list[CaseFacts]] = defaultdict(list)
    for row in rows:
        value = getattr(row, dimension.value) if dimension else None
        label = period_label(row.received_at, period) if period else None
        groups[(value, label)].append(row)
    return {key: tally(members)
            for key, members in sorted(groups.items(), key=lambda item: tuple(str(k) for k in item[0]))}
