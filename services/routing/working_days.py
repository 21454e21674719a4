"""Working days for the return window (退单时限): Chinese statutory holidays and adjusted working days.

sla owns the full calendar (with operator overrides); routing only needs to count a window of a few
days, so it keeps this small adapter over `chinese_calendar` instead of importing another service.
Outside the years the package knows, it counts weekdays and says so in the log once per year.
"""

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar has no data for %s: counting weekdays only", day.year)
        return day.weekday() < 5


def count_working_days(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; 0 when ``end`` is not after ``start``."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += is_working_day(day)
    return days
