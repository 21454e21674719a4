"""Where a running deadline stands for the people who must meet it: the working days left (倒计时) and a
standing the console shows as a badge's colour.

- `paused` (已暂停): the case is paused, the deadline has no due instant;
- `overdue`: the due instant has passed;
- `warning`: a warning point of the schedule has fired (预警) and the deadline has not passed;
- `on_track`: otherwise;
- `waiting` (未起算): the clock has not started (it starts at acceptance or sign-for);
- `closed`: answered, or stopped by a return (退单).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.clock import local_date
from shared.working_days import WorkingDayCalendar


class Standing(StrEnum):
    ON_TRACK = "on_track"
    WARNING = "warning"
    OVERDUE = "overdue"
    PAUSED = "paused"
    WAITING = "waiting"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Countdown:
    standing: Standing
    working_days_left: int | None  # negative: working days overdue; None unless running


def countdown(*, state: str, due_at: datetime | None, paused: bool, fired: list[str], now: datetime,
              calendar: WorkingDayCalendar, zone: ZoneInfo) -> Countdown:
    """The working days from today to the due day (0 on the due day itself), counted on the district's calendar."""
    if state == "waiting":
        return Countdown(Standing.WAITING, None)
    if state != "open":
        return Countdown(Standing.CLOSED, None)
    if paused or due_at is None:
        return Countdown(Standing.PAUSED, None)
    today, due_day = local_date(now, zone), local_date(due_at, zone)
    if due_day >= today:
        left = calendar.working_days_between(today, due_day).days
    else:
        left = -calendar.working_days_between(due_day, today).days
    if now >= due_at:
        return Countdown(Standing.OVERDUE, min(left, 0))
    if any(key.startswith("warning:") for key in fired):
        return Countdown(Standing.WARNING, left)
    return Countdown(Standing.ON_TRACK, left)
