"""The inbox's countdown: working days left on the calendar, and the standing shown as the badge's colour.

Dates: from Friday 2026-02-13, Saturday the 14th is a make-up working day (调休), 15–23 February the Spring
Festival holiday, Tuesday the 24th the first working day after it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from services.sla.domain.countdown import Countdown, Standing, countdown

SH = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 2, 24, 17, 30, tzinfo=SH)


def at(now: datetime, calendar, *, fired: list[str] | None = None, paused: bool = False,
       due_at: datetime | None = DUE, state: str = "open") -> Countdown:
    return countdown(state=state, due_at=due_at, paused=paused, fired=fired or [], now=now, calendar=calendar,
                     zone=SH)


def test_days_left_count_the_make_up_day_and_skip_the_spring_festival_holiday(calendar) -> None:
    assert at(datetime(2026, 2, 13, 9, 0, tzinfo=SH), calendar) == Countdown(Standing.ON_TRACK, 2)


def test_a_fired_warning_turns_the_standing_to_warning(calendar) -> None:
    now = datetime(2026, 2, 24, 9, 0, tzinfo=SH)
    assert at(now, calendar, fired=["warning:half_time"]) == Countdown(Standing.WARNING, 0)
    assert at(now, calendar, fired=[]).standing is Standing.ON_TRACK


def test_past_the_due_instant_is_overdue_with_negative_working_days(calendar) -> None:
    assert at(datetime(2026, 2, 24, 18, 0, tzinfo=SH), calendar) == Countdown(Standing.OVERDUE, 0)
    assert at(datetime(2026, 2, 26, 10, 0, tzinfo=SH), calendar) == Countdown(Standing.OVERDUE, -2)


def test_a_paused_deadline_has_no_countdown(calendar) -> None:
    now = datetime(2026, 2, 13, 9, 0, tzinfo=SH)
    assert at(now, calendar, paused=True, due_at=None) == Countdown(Standing.PAUSED, None)
    assert at(now, calendar, paused=True) == Countdown(Standing.PAUSED, None)


def test_a_deadline_not_started_waits_and_an_answered_or_returned_one_is_closed(calendar) -> None:
    now = datetime(2026, 2, 26, 10, 0, tzinfo=SH)  # past the due instant: no overdue once it is closed
    assert at(now, calendar, state="waiting", due_at=None) == Countdown(Standing.WAITING, None)
    assert at(now, calendar, state="closed") == Countdown(Standing.CLOSED, None)
    assert at(now, calendar, state="returned") == Countdown(Standing.CLOSED, None)
