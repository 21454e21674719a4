"""A deadline's due instant and its firings: warnings before, the yellow card at, the red card after.

Counting rules (write them on the console's help page too):
- Receipt day: the clock-start date if it is a working day and the start is before close of business,
  otherwise the next working day. The deadline is close of business on the tier's N-th working day
  after the receipt day (N=0, 即受即办: the receipt day itself).
- The clock runs only inside office hours of working days. A pause gives back the running time it
  covered; the deadline is then rounded up to close of business, so a partly paused day gives a whole
  day back. An approved extension adds working days (`extension_working_days`, summed over approvals).
- Warnings sit at a fraction of the running time allowed, or N working days of running time before the
  deadline (so "1 working day before" fires at close of business on the day before the last one).
  A warning that would not come after the clock start is dropped.
- The red card comes `working_days_after_deadline` working days of running time after the deadline,
  at close of business; pauses after the deadline delay it too.
- While a pause is open, nothing after its start can be placed: those firings are left out, `paused`
  is true, and `due_at` is None if the deadline was not yet reached; warnings before the pause are
  placed as if the deadline fell at the unpaused budget's end. Recompute on resume.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shared.clock import as_utc, local_date, local_time
from shared.working_days import WorkingDayCalendar

from .policy import SlaPolicy
from .working_time import Pause, WorkingClock


class Stage(StrEnum):
    """Firing stages, in the order they happen."""

    WARNING = "warning"  # 预警
    YELLOW = "yellow"  # 黄牌: the deadline has passed
    RED = "red"  # 红牌: seriously overdue

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {stage: rank for rank, stage in enumerate(Stage)}


@dataclass(frozen=True, slots=True)
class Firing:
    """One timer. `key` is stable across recomputations: a store can keep what has fired by key."""

    key: str
    stage: Stage
    at: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    clock_started_at: datetime
    due_at: datetime | None
    firings: tuple[Firing, ...]
    paused: bool
    assumed_years: frozenset[int]
    calendar_span: tuple[date, date]  # local dates whose calendar status this schedule depends on

    @property
    def assumed_weekdays(self) -> bool:
        """True if any date it depends on was counted as a plain Monday–Friday."""
        return bool(self.assumed_years)

    def affected_by(self, changed: Iterable[date]) -> bool:
        """Whether a calendar change (see `working_days.changed_days`) means recomputing this."""
        first, last = self.calendar_span
        return any(first <= day <= last for day in changed)


def compute_schedule(
    *,
    clock_started_at: datetime,
    tier: str,
    policy: SlaPolicy,
    calendar: WorkingDayCalendar,
    pauses: Sequence[Pause] = (),
    extension_working_days: int = 0,
) -> Schedule:
    """The due instant (UTC) and the firings; raises UnknownTier, or ValueError on naive datetimes."""
    start = as_utc(clock_started_at, field="clock_started_at")
    if extension_working_days < 0:
        raise ValueError(f"extension_working_days must be >= 0, got {extension_working_days}")
    hours = policy.office_hours
    running = WorkingClock(calendar=calendar, office_hours=hours)
    clock = WorkingClock(calendar=calendar, office_hours=hours, pauses=pauses) if pauses else running
    due_day = calendar.add_working_days(
        receipt_day(clock_started_at=start, policy=policy, calendar=calendar),
        policy.tier(tier).working_days + extension_working_days,
    ).day
    budget = running.elapsed(start, running.close_of(due_day))

    due_at = _rounded_up(clock, clock.instant_after(start, budget))
    # Running time allowed; while an open pause hides the rounding of the last day, the budget.
    position = budget if due_at is None else clock.elapsed(start, due_at)
    day = hours.seconds_per_day
    firings: list[Firing] = []
    for warning in policy.warnings:
        if warning.at_fraction is not None:
            offset = warning.at_fraction * position
        else:
            offset = position - warning.working_days_before * day
        at = clock.instant_after(start, offset) if offset > 0 else None
        if at is not None:
            firings.append(Firing(f"warning:{warning.name}", Stage.WARNING, at))
    if due_at is not None:
        firings.append(Firing("yellow", Stage.YELLOW, due_at))
        red_offset = position + policy.red_card.working_days_after_deadline * day
        red_at = _rounded_up(clock, clock.instant_after(start, red_offset))
        if red_at is not None:
            firings.append(Firing("red", Stage.RED, red_at))
    firings.sort(key=lambda f: (f.at, f.stage.rank))

    first_day = local_date(start, hours.zone)
    last_day = max([first_day, *(local_date(f.at, hours.zone) for f in firings)])
    return Schedule(
        clock_started_at=start,
        due_at=due_at,
        firings=tuple(firings),
        paused=any(p.ended_at is None for p in pauses),
        assumed_years=calendar.assumed_years(first_day, last_day),
        calendar_span=(first_day, last_day),
    )


def receipt_day(*, clock_started_at: datetime, policy: SlaPolicy, calendar: WorkingDayCalendar) -> date:
    """The working day the clock counts from: after close or on a day off, the next working day."""
    local = local_time(clock_started_at, policy.office_hours.zone, field="clock_started_at")
    day = local.date()
    if calendar.is_working_day(day) and local.time() < policy.office_hours.closes:
        return day
    return calendar.add_working_days(day, 1).day


def extension_to_working_days(
    *, calendar: WorkingDayCalendar, current_due_day: date, requested_due_day: date
) -> int:
    """An extension to a date (延期), as working days to add; approve and store the number.

    A requested day off lands on the last working day before it, never later than approved.
    Raises ValueError if that is not after the current due day.
    """
    days = calendar.working_days_between(current_due_day, requested_due_day).days
    if days < 1:
        raise ValueError(f"{requested_due_day} gives no working day after {current_due_day}")
    return days


def _rounded_up(clock: WorkingClock, instant: datetime | None) -> datetime | None:
    """Close of business of the instant's local day: deadlines count whole working days."""
    return None if instant is None else clock.close_of(local_date(instant, clock.office_hours.zone, field="instant"))
