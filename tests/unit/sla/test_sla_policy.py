from datetime import time

import pytest
from pydantic import ValidationError

from services.sla.domain.policy import (
    ClockStart,
    DeadlineSubject,
    SlaPolicy,
    UnknownTier,
    load_policies,
)

DEMO = {
    "district": "demo",
    "name": "demo",
    "tiers": {"general": {"working_days": 5, "label": "一般"}},
    "office_hours": {"opens": "09:00", "closes": "17:30"},
    "red_card": {"working_days_after_deadline": 5, "after_returns": 3},
}


def test_demo_district_has_the_four_tiers_of_the_source_articles(policy):
    assert {name: t.working_days for name, t in policy.tiers.items()} == {
        "immediate": 0, "simple": 3, "general": 5, "complex": 10,
    }
    assert policy.office_hours.closes == time(17, 30)
    assert policy.office_hours.seconds_per_day == 8 * 3600 + 1800


def test_case_reply_clock_starts_at_registration_and_work_order_clock_at_sign_for(policy):
    assert policy.clock_starts_on(DeadlineSubject.CASE_REPLY) is ClockStart.REGISTERED
    assert policy.clock_starts_on(DeadlineSubject.WORK_ORDER) is ClockStart.SIGNED_FOR


def test_an_unknown_tier_raises_unknown_tier(policy):
    with pytest.raises(UnknownTier):
        policy.tier("urgent")


def test_a_warning_with_both_rules_is_rejected():
    with pytest.raises(ValidationError, match="exactly one"):
        policy_with({"warnings": [{"name": "w", "at_fraction": 0.5, "working_days_before": 1}]})


def test_office_hours_closing_before_opening_are_rejected():
    with pytest.raises(ValidationError, match="close"):
        policy_with({"office_hours": {"opens": "18:00", "closes": "09:00"}})


def test_an_unknown_timezone_is_rejected():
    with pytest.raises(ValidationError):
        policy_with({"office_hours": {"opens": "09:00", "closes": "17:30", "timezone": "Asia/Shangai"}})


def test_every_shipped_district_pack_has_a_policy_with_its_own_tiers():
    policies = load_policies()
    assert {"demo", "shenzhen-shahe", "shanghai-hongkou", "zhongshan", "beijing-changping",
            "liuzhou-chengzhong"} <= set(policies)
    chengzhong = policies["liuzhou-chengzhong"]
    assert {name: t.working_days for name, t in chengzhong.tiers.items()} == {"simple": 3, "complex": 10}
    assert policies["beijing-changping"].tier("general").working_days == 5


def policy_with(changes: dict) -> SlaPolicy:
    return SlaPolicy.model_validate(DEMO | changes)

