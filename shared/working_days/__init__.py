"""The one working-day calendar (工作日历) every service counts with: Chinese statutory holidays and adjusted
working days (调休) from `chinese_calendar`, and the operator overrides sla reads and announces."""

from pathlib import Path

from shared.working_days.calendar import (
    CalendarOverrides,
    DayInfo,
    DayOverride,
    DaySource,
    DeclaredYear,
    WorkingDate,
    WorkingDayCalendar,
    WorkingDayCount,
    changed_days,
    load_overrides,
)
from shared.working_days.calendars import Calendars

# The overrides shipped with the code (fixed-date statutory holidays of years the library does not know yet).
SHIPPED_OVERRIDES = Path(__file__).resolve().parent / "calendar_overrides.yaml"

__all__ = [
    "SHIPPED_OVERRIDES",
    "CalendarOverrides",
    "Calendars",
    "DayInfo",
    "DayOverride",
    "DaySource",
    "DeclaredYear",
    "WorkingDate",
    "WorkingDayCalendar",
    "WorkingDayCount",
    "changed_days",
    "load_overrides",
]
