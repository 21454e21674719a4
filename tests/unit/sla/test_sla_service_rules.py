"""The service's rules around the domain: real dates through the loaded rules, the test clock, the loud calendar."""

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import REGISTRY

from shared.working_days import SHIPPED_OVERRIDES
from services.sla import metrics
from services.sla.config import SlaSettings
from services.sla.domain.rules import Rules, UnknownDistrict
from services.sla.domain.schedule import compute_schedule
from services.sla.workers import Clock

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def rules() -> Rules:
    return Rules.load(overrides_path=SHIPPED_OVERRIDES)


def due(rules: Rules, start: datetime, tier: str) -> datetime:
    schedule = compute_schedule(
        clock_started_at=start, tier=tier, policy=rules.policy("demo"), calendar=rules.calendar("demo")
    )
    assert schedule.due_at is not None
    return schedule.due_at.astimezone(SH)


def test_work_order_signed_for_on_the_adjusted_saturday_28_february_counts_that_day(rules) -> None:
    assert due(rules, datetime(2026, 2, 28, 10, 0, tzinfo=SH), "simple") == datetime(2026, 3, 4, 17, 30, tzinfo=SH)


def test_general_case_before_national_day_2026_skips_the_week_and_counts_saturday_10_october(rules) -> None:
    assert due(rules, datetime(2026, 9, 29, 10, 0, tzinfo=SH), "general") == datetime(2026, 10, 12, 17, 30, tzinfo=SH)


def test_an_event_from_a_district_without_policy_is_refused(rules) -> None:
    with pytest.raises(UnknownDistrict):
        rules.policy("atlantis")


def test_an_assumed_year_is_logged_once_and_counted_every_time(rules, caplog) -> None:
    before = REGISTRY.get_sample_value("bancheng_sla_assumed_weekday_schedules_total", {"year": "2031"}) or 0
    with caplog.at_level(logging.WARNING, logger="services.sla.metrics"):
        metrics.report_assumed(frozenset({2031}), subject_id="wo-1", overrides_path=rules.overrides_path)
        metrics.report_assumed(frozenset({2031}), subject_id="wo-2", overrides_path=rules.overrides_path)
    assert len([r for r in caplog.records if "2031" in r.getMessage()]) == 1
    after = REGISTRY.get_sample_value("bancheng_sla_assumed_weekday_schedules_total", {"year": "2031"})
    assert after == before + 2


def test_the_shipped_calendar_leaves_2027_unknown_for_the_console_banner(rules) -> None:
    assert rules.unknown_years_ahead(datetime(2026, 11, 21).date()) == [2027]


def test_a_clock_offset_is_refused_outside_tests(monkeypatch) -> None:
    monkeypatch.setenv("BANCHENG_SLA_CLOCK_OFFSET_S", "3600")
    with pytest.raises(ValueError, match="environment=test"):
        SlaSettings(environment="production", signing_secret="s")
    assert SlaSettings(environment="test").clock_offset_s == 3600


def test_the_production_clock_cannot_be_moved() -> None:
    with pytest.raises(PermissionError):
        Clock(movable=False).set_now(datetime(2026, 3, 2, tzinfo=UTC))


def test_a_test_clock_moves_and_keeps_running() -> None:
    clock = Clock(movable=True)
    clock.set_now(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    assert abs((clock.now() - datetime(2026, 3, 2, 2, 0, tzinfo=UTC)).total_seconds()) < 1
