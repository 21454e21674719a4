"""One working-day calendar per district, built from the statutory arrangement and one overrides set.

sla builds it from the overrides file it reads; routing from the overrides sla last announced
(`shared.events.calendar`), so a deadline and a return window count the same days.
"""

from dataclasses import dataclass, field
from datetime import date

from shared.working_days.calendar import CalendarOverrides, WorkingDayCalendar


@dataclass
class Calendars:
    overrides: CalendarOverrides = field(default_factory=CalendarOverrides)
    _by_district: dict[str, WorkingDayCalendar] = field(default_factory=dict)

    def calendar(self, district: str) -> WorkingDayCalendar:
        calendar = self._by_district.get(district)
        if calendar is None:
            calendar = WorkingDayCalendar.from_chinese_calendar(overrides=self.overrides, district=district)
            self._by_district[district] = calendar
        return calendar

    def known_years(self, district: str) -> frozenset[int]:
        return self.calendar(district).known_years

    def count_working_days(self, district: str, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; 0 when `end` is not after `start`."""
        if end <= start:
            return 0
        return self.calendar(district).working_days_between(start, end).days
