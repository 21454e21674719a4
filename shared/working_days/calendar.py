"""Working-day calendar: Chinese statutory holidays, adjusted working days (调休) and operator overrides.

Precedence for one date: an operator override, then `chinese_calendar` for the years it knows, then
years the overrides file declares as fully known, and last Monday–Friday. A date decided by that last
rule is *assumed*: every count that touched one reports its year in `assumed_years`, so callers can
log it, count it in a metric and show it on the console.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal

import chinese_calendar.constants
import yaml
from pydantic import BaseModel, ConfigDict, Field


class DaySource(StrEnum):
    """Which rule decided whether a date is a working day."""

    OVERRIDE = "override"
    STATUTORY = "statutory"  # chinese_calendar's published arrangement
    DECLARED_YEAR = "declared_year"  # a year the overrides file declares complete
    ASSUMED_WEEKDAY = "assumed_weekday"


@dataclass(frozen=True, slots=True)
class DayInfo:
    working: bool
    source: DaySource
    note: str | None = None

    @property
    def assumed(self) -> bool:
        return self.source is DaySource.ASSUMED_WEEKDAY


@dataclass(frozen=True, slots=True)
class WorkingDate:
    """A date found by counting working days, with the unknown years the count crossed."""

    day: date
    assumed_years: frozenset[int]

    @property
    def assumed_weekdays(self) -> bool:
        return bool(self.assumed_years)


@dataclass(frozen=True, slots=True)
class WorkingDayCount:
    days: int
    assumed_years: frozenset[int]

    @property
    def assumed_weekdays(self) -> bool:
        return bool(self.assumed_years)


class DayOverride(BaseModel):
    """One operator-declared day: a local holiday, or a working day the library does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: date
    kind: Literal["workday", "holiday"]
    note: str = Field(min_length=1, description="Why: the notice or local decision behind it")
    districts: tuple[str, ...] = Field(
        default=(), description="Districts it applies to; empty means every district"
    )


class DeclaredYear(BaseModel):
    """A year whose full arrangement is entered in `days` (e.g. from the State Council notice)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    source: str = Field(min_length=1)


class CalendarOverrides(BaseModel):
    """The operator-editable overrides file (sla's `calendar_overrides_path`; shipped: calendar_overrides.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    years: tuple[DeclaredYear, ...] = ()
    days: tuple[DayOverride, ...] = ()

    def for_district(self, district: str | None) -> tuple[DayOverride, ...]:
        """Entries that apply to `district`, city-wide ones first so a district's own entry wins."""
        applicable = (d for d in self.days if not d.districts or district in d.districts)
        return tuple(sorted(applicable, key=lambda d: bool(d.districts)))


def load_overrides(path: Path) -> CalendarOverrides:
    """Read and validate an overrides YAML file; raises pydantic.ValidationError or ValueError."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    overrides = CalendarOverrides.model_validate(raw)
    seen: set[tuple[date, tuple[str, ...]]] = set()
    for day in overrides.days:
        if (day.date, day.districts) in seen:
            raise ValueError(f"{path}: {day.date} is declared twice for {day.districts or 'all'}")
        seen.add((day.date, day.districts))
    return overrides


class WorkingDayCalendar:
    """Answers "is this a working day" and counts working days; immutable once built."""

    def __init__(
        self,
        *,
        statutory_holidays: Iterable[date],
        statutory_workdays: Iterable[date],
        statutory_years: Iterable[int],
        overrides: Iterable[DayOverride] = (),
        declared_years: Iterable[int] = (),
    ) -> None:
        self._holidays = frozenset(statutory_holidays)
        self._workdays = frozenset(statutory_workdays)
        self._statutory_years = frozenset(statutory_years)
        self._declared_years = frozenset(declared_years)
        self._overrides: Mapping[date, DayOverride] = {o.date: o for o in overrides}
        self._memo: dict[date, DayInfo] = {}

    @classmethod
    def from_chinese_calendar(
        cls, *, overrides: CalendarOverrides | None = None, district: str | None = None
    ) -> "WorkingDayCalendar":
        """The production calendar: the installed chinese_calendar plus the district's overrides."""
        holidays = chinese_calendar.constants.holidays
        workdays = chinese_calendar.constants.workdays
        overrides = overrides or CalendarOverrides()
        return cls(
            statutory_holidays=holidays,
            statutory_workdays=workdays,
            # The library raises for years past its data; those it covers are the years it lists.
            statutory_years={d.year for d in holidays},
            overrides=overrides.for_district(district),
            declared_years={y.year for y in overrides.years},
        )

    @property
    def known_years(self) -> frozenset[int]:
        """Years whose whole arrangement is known (library or declared); others are assumed."""
        return self._statutory_years | self._declared_years

    def day_info(self, day: date) -> DayInfo:
        # Memoised: the calendar never changes and a sweep asks about the same few weeks again and again.
        info = self._memo.get(day)
        if info is None:
            info = self._memo[day] = self._decide(day)
        return info

    def _decide(self, day: date) -> DayInfo:
        override = self._overrides.get(day)
        if override is not None:
            return DayInfo(override.kind == "workday", DaySource.OVERRIDE, override.note)
        weekday = day.weekday() < 5
        if day.year in self._statutory_years:
            if day in self._workdays:
                return DayInfo(True, DaySource.STATUTORY)
            return DayInfo(weekday and day not in self._holidays, DaySource.STATUTORY)
        if day.year in self._declared_years:
            return DayInfo(weekday, DaySource.DECLARED_YEAR)
        return DayInfo(weekday, DaySource.ASSUMED_WEEKDAY)

    def is_working_day(self, day: date) -> bool:
        return self.day_info(day).working

    def add_working_days(self, start: date, n: int) -> WorkingDate:
        """The n-th working day after `start` (start itself not counted); n=0 returns `start`."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        assumed: set[int] = set()
        day = start
        while n:
            day += timedelta(days=1)
            info = self.day_info(day)
            if info.assumed:
                assumed.add(day.year)
            if info.working:
                n -= 1
        return WorkingDate(day, frozenset(assumed))

    def working_days_between(self, a: date, b: date) -> WorkingDayCount:
        """Working days in (a, b]: the n with add_working_days(a, n) == b when b is a working day."""
        if b < a:
            raise ValueError(f"{b} is before {a}")
        assumed: set[int] = set()
        count = 0
        for day in _dates(a + timedelta(days=1), b):
            info = self.day_info(day)
            if info.assumed:
                assumed.add(day.year)
            count += info.working
        return WorkingDayCount(count, frozenset(assumed))

    def assumed_years(self, first: date, last: date) -> frozenset[int]:
        """Years of the dates in [first, last] decided only by the Monday–Friday assumption (a known
        year has none, so only the unknown years' dates are looked at, up to the first assumed one)."""
        years = set()
        for year in range(first.year, last.year + 1):
            if year in self._statutory_years or year in self._declared_years:
                continue
            span = _dates(max(first, date(year, 1, 1)), min(last, date(year, 12, 31)))
            if any(self.day_info(d).assumed for d in span):
                years.add(year)
        return frozenset(years)


def changed_days(
    old: WorkingDayCalendar, new: WorkingDayCalendar, *, start: date, end: date
) -> tuple[date, ...]:
    """Dates in [start, end] whose working status or assumed-ness differs between two calendars.

    A date that stays a working day but stops being assumed counts as changed: deadlines over it keep
    their instant but must drop the assumed-weekdays flag.
    """
    return tuple(
        day
        for day in _dates(start, end)
        if (a := old.day_info(day)).working != (b := new.day_info(day)).working
        or a.assumed != b.assumed
    )


def _dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
