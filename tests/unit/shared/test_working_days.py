from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.working_days import (
    SHIPPED_OVERRIDES,
    CalendarOverrides,
    DaySource,
    WorkingDayCalendar,
    changed_days,
    load_overrides,
)


@pytest.fixture(scope="module")
def calendar() -> WorkingDayCalendar:
    """The installed chinese_calendar with no overrides."""
    return WorkingDayCalendar.from_chinese_calendar()


def write_overrides(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_installed_library_knows_2004_to_2026_and_not_2027(calendar):
    assert min(calendar.known_years) == 2004
    assert max(calendar.known_years) == 2026
    assert 2027 not in calendar.known_years


def test_spring_festival_2026_is_off_and_its_adjusted_saturdays_are_working_days(calendar):
    assert calendar.is_working_day(date(2026, 2, 14))  # Saturday, 调休
    assert calendar.is_working_day(date(2026, 2, 28))  # Saturday, 调休
    assert not any(calendar.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert calendar.is_working_day(date(2026, 2, 24))
    assert not calendar.is_working_day(date(2026, 3, 1))  # an ordinary Sunday


def test_five_working_days_from_13_february_2026_skip_the_festival_but_count_its_saturday(calendar):
    result = calendar.add_working_days(date(2026, 2, 13), 5)
    # 02-14 (Sat, 调休), 02-24, 02-25, 02-26, 02-27
    assert result.day == date(2026, 2, 27)
    assert not result.assumed_weekdays


def test_adding_zero_working_days_returns_the_start_day(calendar):
    assert calendar.add_working_days(date(2026, 2, 15), 0).day == date(2026, 2, 15)


def test_negative_working_days_are_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 2, 13), -1)


def test_counting_between_two_dates_excludes_the_first_and_includes_the_last(calendar):
    count = calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 28))
    assert count.days == 6
    assert not count.assumed_weekdays


def test_counting_into_2027_falls_back_to_weekdays_and_flags_the_year(calendar):
    result = calendar.add_working_days(date(2026, 12, 30), 3)
    # 12-31 (Thu, known), then 2027-01-01 (Fri) and 01-04 (Mon) by the weekday assumption
    assert result.day == date(2027, 1, 4)
    assert result.assumed_years == frozenset({2027})
    assert calendar.day_info(date(2027, 1, 1)).source is DaySource.ASSUMED_WEEKDAY


def test_override_file_makes_a_2027_date_a_holiday_without_the_assumed_flag(tmp_path):
    path = write_overrides(
        tmp_path,
        "days:\n  - {date: 2027-01-04, kind: holiday, note: local closure after the New Year}\n",
    )
    calendar = WorkingDayCalendar.from_chinese_calendar(overrides=load_overrides(path))
    info = calendar.day_info(date(2027, 1, 4))
    assert not info.working
    assert info.source is DaySource.OVERRIDE and not info.assumed
    assert info.note == "local closure after the New Year"
    assert calendar.add_working_days(date(2026, 12, 30), 3).day == date(2027, 1, 5)


def test_a_declared_year_is_known_and_no_longer_assumed(tmp_path):
    path = write_overrides(
        tmp_path,
        "years: [{year: 2027, source: State Council notice}]\n"
        "days: [{date: 2027-02-20, kind: workday, note: adjusted working day}]\n",
    )
    calendar = WorkingDayCalendar.from_chinese_calendar(overrides=load_overrides(path))
    assert 2027 in calendar.known_years
    assert calendar.is_working_day(date(2027, 2, 20))  # a Saturday
    assert calendar.day_info(date(2027, 3, 1)).source is DaySource.DECLARED_YEAR
    assert calendar.assumed_years(date(2027, 1, 1), date(2027, 12, 31)) == frozenset()


def test_an_override_beats_the_library_for_a_local_day(tmp_path):
    path = write_overrides(
        tmp_path, "days: [{date: 2026-02-28, kind: holiday, note: hall closed for repairs}]\n"
    )
    calendar = WorkingDayCalendar.from_chinese_calendar(overrides=load_overrides(path))
    assert not calendar.is_working_day(date(2026, 2, 28))


def test_a_district_scoped_day_applies_only_to_that_district_and_wins_over_a_citywide_one(tmp_path):
    path = write_overrides(
        tmp_path,
        "days:\n"
        "  - {date: 2026-04-20, kind: holiday, note: regional festival, districts: [chengzhong]}\n"
        "  - {date: 2026-04-20, kind: workday, note: citywide make-up day}\n",
    )
    overrides = load_overrides(path)
    chengzhong = WorkingDayCalendar.from_chinese_calendar(overrides=overrides, district="chengzhong")
    other = WorkingDayCalendar.from_chinese_calendar(overrides=overrides, district="changping")
    assert not chengzhong.is_working_day(date(2026, 4, 20))
    assert other.is_working_day(date(2026, 4, 20))


def test_an_override_without_a_note_is_rejected(tmp_path):
    path = write_overrides(tmp_path, "days: [{date: 2027-01-04, kind: holiday}]\n")
    with pytest.raises(ValidationError):
        load_overrides(path)


def test_the_same_date_declared_twice_for_the_same_districts_is_rejected(tmp_path):
    path = write_overrides(
        tmp_path,
        "days:\n"
        "  - {date: 2027-01-04, kind: holiday, note: a}\n"
        "  - {date: 2027-01-04, kind: workday, note: b}\n",
    )
    with pytest.raises(ValueError, match="declared twice"):
        load_overrides(path)


def test_the_shipped_overrides_file_loads_and_leaves_2027_assumed():
    overrides = load_overrides(SHIPPED_OVERRIDES)
    calendar = WorkingDayCalendar.from_chinese_calendar(overrides=overrides)
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert 2027 not in calendar.known_years
    assert calendar.day_info(date(2027, 1, 4)).assumed


def test_changed_days_lists_dates_whose_status_or_assumption_changed(calendar):
    new = WorkingDayCalendar.from_chinese_calendar(
        overrides=CalendarOverrides.model_validate(
            {"days": [{"date": "2027-01-04", "kind": "holiday", "note": "closure"},
                      {"date": "2027-01-05", "kind": "workday", "note": "confirmed"},
                      {"date": "2026-03-02", "kind": "workday", "note": "same as library"}]}
        )
    )
    changed = changed_days(calendar, new, start=date(2026, 1, 1), end=date(2027, 12, 31))
    # 01-04 stops being a working day; 01-05 stays one but is no longer assumed; 2026-03-02 is as before
    assert changed == (date(2027, 1, 4), date(2027, 1, 5))
