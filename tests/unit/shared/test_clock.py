"""shared/clock.py: UTC stored, local dates and minutes in Asia/Shanghai (or a pack's zone), naive refused."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shared.clock import (
    SHANGHAI,
    NaiveDatetime,
    as_utc,
    local_date,
    local_minute,
    local_time,
    now_utc,
    require_aware,
    stored_utc,
)

# 2026-12-07 16:30 UTC is already 2026-12-08 00:30 in Shanghai (UTC+8, no daylight saving).
LATE_UTC = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)


def test_now_is_an_aware_utc_instant() -> None:
    before = datetime.now(UTC)
    now = now_utc()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_the_local_date_is_shanghais_after_its_midnight_while_utc_is_still_the_day_before() -> None:
    assert local_date(LATE_UTC) == date(2026, 12, 8)
    assert local_date(LATE_UTC - timedelta(hours=1)) == date(2026, 12, 7)


def test_another_zone_gives_its_own_local_date_and_clock() -> None:
    urumqi = ZoneInfo("Asia/Urumqi")  # UTC+6
    assert local_date(LATE_UTC, urumqi) == date(2026, 12, 7)
    assert local_time(LATE_UTC, urumqi).hour == 22


def test_local_minute_reads_as_people_write_it_in_messages() -> None:
    assert local_minute(LATE_UTC) == "2026-12-08 00:30"


def test_as_utc_keeps_the_instant_and_says_utc() -> None:
    shanghai_morning = datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    assert as_utc(shanghai_morning) == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    assert as_utc(shanghai_morning).utcoffset() == timedelta(0)
    assert as_utc(datetime(2026, 12, 8, 9, 0, tzinfo=timezone(timedelta(hours=8)))) == shanghai_morning


@pytest.mark.parametrize("helper", [as_utc, local_time, local_date, local_minute])
def test_a_naive_datetime_is_refused_naming_its_field(helper: Callable[..., object]) -> None:
    with pytest.raises(NaiveDatetime, match="due_at must be timezone-aware") as refused:
        helper(datetime(2026, 12, 8, 9, 0), field="due_at")
    assert refused.value.field == "due_at" and isinstance(refused.value, ValueError)


def test_require_aware_returns_an_aware_value_unchanged() -> None:
    assert require_aware(LATE_UTC, field="at") is LATE_UTC


def test_a_stored_naive_datetime_is_read_as_utc_and_an_aware_one_kept() -> None:
    assert stored_utc(datetime(2026, 12, 7, 16, 30)) == LATE_UTC
    shanghai = LATE_UTC.astimezone(SHANGHAI)
    assert stored_utc(shanghai) is shanghai
