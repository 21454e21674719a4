from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shared.working_days import CalendarOverrides, WorkingDayCalendar, changed_days
from services.sla.domain.policy import UnknownTier
from services.sla.domain.schedule import (
    Stage,
    compute_schedule,
    extension_to_working_days,
    receipt_day,
)
from services.sla.domain.working_time import Pause

SHANGHAI = ZoneInfo("Asia/Shanghai")
REGISTERED = datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)  # Friday before the Spring Festival break


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def at(schedule, key: str) -> datetime:
    return next(f.at for f in schedule.firings if f.key == key)


def general(policy, calendar, **kwargs):
    return compute_schedule(
        clock_started_at=REGISTERED, tier="general", policy=policy, calendar=calendar, **kwargs
    )


def test_case_registered_13_february_2026_with_5_working_days_is_due_27_february_close(policy, calendar):
    schedule = general(policy, calendar)
    assert schedule.due_at == local(2026, 2, 27, 17, 30)
    assert schedule.due_at.tzinfo is not None and schedule.due_at.utcoffset() == timedelta(0)
    assert not schedule.assumed_weekdays and not schedule.paused


def test_firings_are_half_time_one_day_before_yellow_at_deadline_and_red_5_days_later(policy, calendar):
    schedule = general(policy, calendar)
    assert [(f.key, f.stage, f.at) for f in schedule.firings] == [
        # 50 h of office time allowed: 7.5 h on 02-13, 8.5 h a day after; half is 25 h
        ("warning:half_time", Stage.WARNING, local(2026, 2, 25, 9, 30)),
        ("warning:one_working_day_before", Stage.WARNING, local(2026, 2, 26, 17, 30)),
        ("yellow", Stage.YELLOW, local(2026, 2, 27, 17, 30)),
        ("red", Stage.RED, local(2026, 3, 5, 17, 30)),  # 02-28 (调休), 03-02 .. 03-05
    ]


def test_registered_after_close_on_13_february_the_deadline_is_the_adjusted_saturday_28th(policy, calendar):
    start = local(2026, 2, 13, 18, 0)
    assert receipt_day(clock_started_at=start, policy=policy, calendar=calendar) == date(2026, 2, 14)
    schedule = compute_schedule(clock_started_at=start, tier="general", policy=policy, calendar=calendar)
    assert schedule.due_at == local(2026, 2, 28, 17, 30)


def test_immediate_tier_is_due_at_close_the_same_working_day(policy, calendar):
    schedule = compute_schedule(
        clock_started_at=local(2026, 2, 13, 10), tier="immediate", policy=policy, calendar=calendar
    )
    assert schedule.due_at == local(2026, 2, 13, 17, 30)
    assert at(schedule, "warning:half_time") == local(2026, 2, 13, 13, 45)
    # one working day before would precede the clock start: dropped
    assert "warning:one_working_day_before" not in {f.key for f in schedule.firings}


def test_immediate_tier_registered_during_the_festival_is_due_the_first_day_back(policy, calendar):
    schedule = compute_schedule(
        clock_started_at=local(2026, 2, 17, 10), tier="immediate", policy=policy, calendar=calendar
    )
    assert schedule.due_at == local(2026, 2, 24, 17, 30)


def test_deadline_crossing_into_2027_is_flagged_as_assumed_weekdays(policy, calendar):
    schedule = compute_schedule(
        clock_started_at=local(2026, 12, 24, 10), tier="complex", policy=policy, calendar=calendar
    )
    # 12-25, 28..31 known; 2027-01-01, 04..07 counted as weekdays
    assert schedule.due_at == local(2027, 1, 7, 17, 30)
    assert schedule.assumed_years == frozenset({2027})
    assert schedule.assumed_weekdays


def test_an_override_holiday_in_2027_moves_the_crossing_deadline_by_a_day(policy):
    calendar = WorkingDayCalendar.from_chinese_calendar(
        overrides=CalendarOverrides.model_validate(
            {"days": [{"date": "2027-01-01", "kind": "holiday", "note": "元旦"}]}
        )
    )
    schedule = compute_schedule(
        clock_started_at=local(2026, 12, 24, 10), tier="complex", policy=policy, calendar=calendar
    )
    assert schedule.due_at == local(2027, 1, 8, 17, 30)
    assert schedule.assumed_years == frozenset({2027})  # 01-04..08 are still assumed


def test_clocks_over_different_calendars_keep_their_own_days_when_computed_in_turn(policy, calendar):
    """Working days are remembered per calendar: one calendar's answers never leak into another's."""
    with_holiday = WorkingDayCalendar.from_chinese_calendar(
        overrides=CalendarOverrides.model_validate({"days": [{"date": "2027-01-04", "kind": "holiday", "note": "x"}]})
    )
    start = local(2026, 12, 24, 10)
    due = [compute_schedule(clock_started_at=start, tier="complex", policy=policy, calendar=c).due_at
           for c in (calendar, with_holiday, calendar, with_holiday)]
    assert due == [local(2027, 1, 7, 17, 30), local(2027, 1, 8, 17, 30)] * 2


def test_an_unknown_year_whose_every_day_in_the_span_is_overridden_is_not_assumed():
    calendar = WorkingDayCalendar.from_chinese_calendar(
        overrides=CalendarOverrides.model_validate({"days": [
            {"date": "2027-01-01", "kind": "holiday", "note": "元旦"},
            {"date": "2027-01-02", "kind": "holiday", "note": "元旦"},
        ]})
    )
    assert calendar.assumed_years(date(2026, 12, 20), date(2027, 1, 2)) == frozenset()
    assert calendar.assumed_years(date(2026, 12, 20), date(2027, 1, 3)) == frozenset({2027})
    assert calendar.assumed_years(date(2027, 1, 3), date(2028, 1, 1)) == frozenset({2027, 2028})


def test_a_pause_over_two_whole_working_days_moves_every_later_firing_by_two_days(policy, calendar):
    pause = Pause(started_at=local(2026, 2, 24, 9), ended_at=local(2026, 2, 26, 9), reason="公示期")
    schedule = general(policy, calendar, pauses=[pause])
    # 02-27 plus 02-28 (调休) and 03-02
    assert schedule.due_at == local(2026, 3, 2, 17, 30)
    assert at(schedule, "red") == local(2026, 3, 9, 17, 30)


def test_a_pause_of_one_hour_gives_a_whole_working_day_back_the_adjusted_saturday(policy, calendar):
    pause = Pause(started_at=local(2026, 2, 24, 14), ended_at=local(2026, 2, 24, 15), reason="bank letter")
    assert general(policy, calendar, pauses=[pause]).due_at == local(2026, 2, 28, 17, 30)


def test_a_pause_outside_office_hours_changes_nothing(policy, calendar):
    pause = Pause(started_at=local(2026, 2, 24, 18), ended_at=local(2026, 2, 25, 8), reason="overnight")
    assert general(policy, calendar, pauses=[pause]) == general(policy, calendar)


def test_an_open_pause_holds_everything_after_its_start(policy, calendar):
    pause = Pause(started_at=local(2026, 2, 25, 12), ended_at=None, reason="waiting for 经联社")
    schedule = general(policy, calendar, pauses=[pause])
    assert schedule.paused and schedule.due_at is None
    assert [f.key for f in schedule.firings] == ["warning:half_time"]


def test_an_open_pause_after_the_deadline_keeps_the_yellow_card_and_holds_the_red(policy, calendar):
    pause = Pause(started_at=local(2026, 3, 2, 12), ended_at=None, reason="waiting for a bank")
    schedule = general(policy, calendar, pauses=[pause])
    assert schedule.due_at == local(2026, 2, 27, 17, 30)
    assert "red" not in {f.key for f in schedule.firings}


def test_an_approved_extension_of_3_working_days_moves_deadline_and_red(policy, calendar):
    schedule = general(policy, calendar, extension_working_days=3)
    assert schedule.due_at == local(2026, 3, 3, 17, 30)  # 02-28 (调休), 03-02, 03-03
    assert at(schedule, "red") == local(2026, 3, 10, 17, 30)


def test_an_extension_to_a_sunday_lands_on_the_working_day_before_it(calendar):
    # 03-01 is a Sunday; the working day before it is the adjusted Saturday 02-28
    days = extension_to_working_days(
        calendar=calendar, current_due_day=date(2026, 2, 27), requested_due_day=date(2026, 3, 1)
    )
    assert days == 1


def test_an_extension_not_after_the_current_deadline_is_refused(calendar):
    with pytest.raises(ValueError):
        extension_to_working_days(
            calendar=calendar, current_due_day=date(2026, 2, 27), requested_due_day=date(2026, 2, 27)
        )


def test_a_naive_start_is_refused(policy, calendar):
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_schedule(
            clock_started_at=datetime(2026, 2, 13, 10), tier="general", policy=policy, calendar=calendar
        )


def test_an_unknown_tier_is_refused(policy, calendar):
    with pytest.raises(UnknownTier):
        compute_schedule(clock_started_at=REGISTERED, tier="urgent", policy=policy, calendar=calendar)


def test_a_calendar_change_affects_only_deadlines_whose_span_covers_a_changed_date(policy, calendar):
    crossing = compute_schedule(
        clock_started_at=local(2026, 12, 24, 10), tier="complex", policy=policy, calendar=calendar
    )
    february = general(policy, calendar)
    updated = WorkingDayCalendar.from_chinese_calendar(
        overrides=CalendarOverrides.model_validate(
            {"days": [{"date": "2027-01-05", "kind": "holiday", "note": "closure"}]}
        )
    )
    changed = changed_days(calendar, updated, start=date(2026, 1, 1), end=date(2027, 12, 31))
    assert crossing.affected_by(changed)
    assert not february.affected_by(changed)
