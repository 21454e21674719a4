"""Walking-path deadline: N working days by tier, ending at close of business (replaced by domain.schedule)."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIER_DAYS = {"immediate": 0, "simple": 3, "general": 5, "complex": 10}


@dataclass(frozen=True)
class Due:
    due_at: datetime
    assumed_weekdays: bool


def due_for(*, tier: str, start: datetime) -> Due:
    day, remaining, assumed = start.astimezone(SHANGHAI).date(), TIER_DAYS.get(tier, 5), False
    while remaining:
        day += timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working, assumed = day.weekday() < 5, True
        remaining -= working
    return Due(datetime.combine(day, time(17, 30), SHANGHAI).astimezone(UTC), assumed)
