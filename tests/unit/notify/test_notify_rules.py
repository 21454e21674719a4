from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from shared.districts import load_packs
from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.rules import ConfigError, RuleBook, parse_district_rules

RULE_EVENTS = {
    "case.registered", "case.accepted", "case.replied", "case.archived", "case.callback_recorded",
    "workorder.dispatched", "workorder.returned", "workorder.cancelled", "workorder.escalated",
    "sla.warning", "sla.card_issued:yellow", "sla.card_issued:red", "workorder.pingpong_detected",
}


def rules(*rule_list: dict) -> dict:
    return {"district": "x", "rules": list(rule_list)}


def test_a_full_district_covers_every_event_of_the_case_life(config: NotifyConfig):
    rules_of_demo = config.rules.for_district("demo")
    assert {rule.event for rule in rules_of_demo.rules} == RULE_EVENTS


def test_every_shipped_district_pack_has_its_rules(config: NotifyConfig):
    assert {"demo", "shenzhen-shahe", "shanghai-hongkou", "zhongshan", "beijing-changping",
            "liuzhou-chengzhong"} <= set(config.rules.districts)


def test_rule_sending_a_robot_message_to_a_citizen_is_refused():
    with pytest.raises(ConfigError, match=r"channels \['wecom'\] cannot reach audience citizen"):
        parse_district_rules(rules({"event": "case.accepted", "notify": [
            {"audience": "citizen", "channels": ["wecom"], "template": "t"}]}), where="x")


def test_hotline_rule_without_a_status_is_refused():
    with pytest.raises(ConfigError, match="hotline_status"):
        parse_district_rules(rules({"event": "case.accepted", "notify": [
            {"audience": "hotline", "channels": ["hotline_12345"], "template": "t"}]}), where="x")


def test_two_rules_for_one_event_are_refused():
    warning = {
        "event": "sla.warning",
        "notify": [{"audience": "lead_department", "channels": ["email"], "template": "t"}],
    }
    with pytest.raises(ConfigError, match="sla.warning has two rules"):
        parse_district_rules(rules(warning, warning), where="x")


def test_rule_naming_an_unknown_template_fails_at_load():
    pack = load_packs()["demo"]
    with pytest.raises(ConfigError, match=r"demo/notify.yaml: unknown templates \['workorder_dispatched_department'\]"):
        RuleBook([pack], known_templates={"workorder_cancelled_department", "verification_code",
                                          "sla_urging_department"})


def test_an_event_of_a_district_without_a_pack_is_an_error(config: NotifyConfig):
    with pytest.raises(LookupError, match="'atlantis'"):
        config.rules.for_district("atlantis")


def test_quiet_hours_across_midnight_release_at_their_end_next_morning():
    quiet = QuietHours(start=time(21), end=time(8))
    evening = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)  # 21:05 Shanghai
    early = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 06:00 Shanghai next day
    morning = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 Shanghai
    assert quiet.release_time(evening) == morning
    assert quiet.release_time(early) == morning
    assert quiet.release_time(morning) == morning


def test_quiet_hours_within_one_day():
    quiet = QuietHours(start=time(12), end=time(14))  # a lunch break
    lunch = datetime(2026, 11, 23, 4, 30, tzinfo=UTC)  # 12:30 Shanghai
    assert quiet.release_time(lunch) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert not quiet.is_quiet(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))


def test_quiet_hours_in_an_unknown_timezone_are_refused_naming_it():
    with pytest.raises(ValidationError, match="unknown timezone 'Asia/Shangai'"):
        QuietHours(start=time(21), end=time(8), timezone="Asia/Shangai")
