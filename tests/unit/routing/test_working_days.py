"""The return window (退单时限) counts with the shared calendar: statutory days, and the overrides sla announced."""

from datetime import date

from shared.working_days import CalendarOverrides, Calendars

STATUTORY = Calendars()


def count_working_days(start: date, end: date, calendars: Calendars = STATUTORY) -> int:
    return calendars.count_working_days("demo", start, end)


def test_national_day_holidays_do_not_count_but_the_adjusted_saturday_does() -> None:
    # 2026: 1-7 October are holidays; Saturday 10 October is an adjusted working day (调休上班).
    assert count_working_days(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert count_working_days(date(2026, 10, 8), date(2026, 10, 10)) == 2


def test_an_ordinary_weekend_is_skipped() -> None:
    assert count_working_days(date(2026, 11, 20), date(2026, 11, 23)) == 1  # Friday → Monday


def test_years_the_calendar_does_not_know_fall_back_to_weekdays() -> None:
    assert count_working_days(date(2031, 1, 3), date(2031, 1, 6)) == 1  # Friday → Monday


def test_end_not_after_start_counts_nothing() -> None:
    assert count_working_days(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert count_working_days(date(2026, 11, 23), date(2026, 11, 20)) == 0


def test_an_operator_holiday_of_the_district_is_not_counted_and_other_districts_still_count_it() -> None:
    overrides = CalendarOverrides.model_validate({"days": [
        {"date": "2026-11-23", "kind": "holiday", "note": "local festival", "districts": ["demo"]},
    ]})
    calendars = Calendars(overrides)
    assert count_working_days(date(2026, 11, 20), date(2026, 11, 24), calendars) == 1  # Friday → Tuesday
    assert calendars.count_working_days("zhongshan", date(2026, 11, 20), date(2026, 11, 24)) == 2
