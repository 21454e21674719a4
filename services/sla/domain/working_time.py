"""Office-hours clock arithmetic: working seconds on working days, stopped by pauses."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from shared.clock import as_utc
from shared.working_days import WorkingDayCalendar

from .policy import OfficeHours

_END_OF_TIME = datetime.max.replace(tzinfo=UTC)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Pause:
    """The clock stopped (e.g. a public-notice period 公示期, waiting for a bank's letter).

    `ended_at=None` means still paused: nothing after `started_at` can be scheduled yet.
    """

    started_at: datetime
    ended_at: datetime | None
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", as_utc(self.started_at, field="started_at"))
        if self.ended_at is not None:
            ended = as_utc(self.ended_at, field="ended_at")
            if ended <= self.started_at:
                raise ValueError(f"pause ends at {ended}, not after its start {self.started_at}")
            object.__setattr__(self, "ended_at", ended)


class WorkingClock:
    """Counts time only inside office hours of working days, outside every pause."""

    def __init__(
        self, *, calendar: WorkingDayCalendar, office_hours: OfficeHours, pauses: Iterable[Pause] = ()
    ) -> None:
        self.calendar = calendar
        self.office_hours = office_hours
        self._zone = office_hours.zone
        self._pauses = _merge(pauses) if pauses else []
        self._open_pause_start = next((s for s, e in self._pauses if e == _END_OF_TIME), _END_OF_TIME)
        self._days = _days_of(calendar, office_hours)

    def close_of(self, day: date) -> datetime:
        """Close of business of a local date, in UTC."""
        return _office_window(day, self.office_hours)[1]

    def segments(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Running-clock intervals (UTC) from `since` on; ends at an open pause, else never."""
        since = as_utc(since, field="since")
        open_pause_start, pauses, days = self._open_pause_start, self._pauses, self._days
        day = since.astimezone(self._zone).date()
        while True:
            known = days.get(day)
            if known is None:
                known = days[day] = (*_office_window(day, self.office_hours), self.calendar.is_working_day(day))
            opens, closes, working = known
            if opens >= open_pause_start:
                return
            if working:
                start = opens if opens > since else since
                if pauses:
                    yield from self._unpaused(start, closes)
                elif start < closes:
                    yield start, closes
            day += _ONE_DAY

    def instant_after(self, since: datetime, seconds: float) -> datetime | None:
        """Earliest instant by which `seconds` of running clock have passed; None if paused first."""
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        remaining = timedelta(seconds=seconds)
        for start, end in self.segments(since):
            if end - start >= remaining:
                return start + remaining
            remaining -= end - start
        return None

    def elapsed(self, since: datetime, until: datetime) -> float:
        """Seconds of running clock in [since, until]."""
        until = as_utc(until, field="until")
        total = 0.0
        for start, end in self.segments(since):
            if start >= until:
                break
            total += (min(end, until) - start).total_seconds()
        return total

    def _unpaused(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        for pause_start, pause_end in self._pauses:
            if start >= end:
                return
            if pause_end <= start or pause_start >= end:
                continue
            if pause_start > start:
                yield start, pause_start
            start = pause_end
        if start < end:
            yield start, end


@lru_cache(maxsize=64)
def _days_of(calendar: WorkingDayCalendar, hours: OfficeHours) -> dict[date, tuple[datetime, datetime, bool]]:
    """Each local date's office window (UTC) and whether it is a working day, filled in as clocks ask, one
    dict per calendar and office hours (both immutable): a clock walks the same weeks for every firing
    of every deadline, and looking a date up here is cheaper than the window's cache (it hashes the
    office hours) and the calendar's question each time."""
    return {}


@lru_cache(maxsize=8192)
def _office_window(day: date, hours: OfficeHours) -> tuple[datetime, datetime]:
    """Opening and closing instants (UTC) of a local date; cached, zone arithmetic is the hot spot."""
    zone = hours.zone
    return (
        datetime.combine(day, hours.opens, tzinfo=zone).astimezone(UTC),
        datetime.combine(day, hours.closes, tzinfo=zone).astimezone(UTC),
    )


def _merge(pauses: Iterable[Pause]) -> list[tuple[datetime, datetime]]:
    """Sorted, non-overlapping pause intervals; an open pause runs to the end of time."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted((p.started_at, p.ended_at or _END_OF_TIME) for p in pauses):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
