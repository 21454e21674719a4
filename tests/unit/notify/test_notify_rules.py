from datetime import datetime, time, timezone
from pathlib import Path

import pytest

from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.rules import ConfigError, load_district_rules, load_rule_book

RULE_EVENTS = {
    "case.registered", "case.accepted", "case.replied", "case.archived", "case.callback_recorded",
    "workorder.dispatched", "workorder.returned", "workorder.cancelled", "workorder.escalated",
    "sla.warning", "sla.card_issued:yellow", "sla.card_issued:red", "workorder.pingpong_detected",
}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_district_covers_every_event_of_the_case_life(config: NotifyConfig):
    rules = config.rules.for_district("default")
    assert {rule.event for rule in rules.rules} == RULE_EVENTS


def test_rule_sending_a_robot_message_to_a_citizen_is_refused(tmp_path: Path):
    path = write(tmp_path, "x.yaml", """
district: x
rules:
  - event: case.accepted
    notify: [{audience: citizen, channels: [wecom], template: t}]
""")
    with pytest.raises(ConfigError, match=r"channels \['wecom'\] cannot reach audience citizen"):
        load_district_rules(path)


def test_hotline_rule_without_a_status_is_refused(tmp_path: Path):
    path = write(tmp_path, "x.yaml", """
district: x
rules:
  - event: case.accepted
    notify: [{audience: hotline, channels: [hotline_12345], template: t}]
""")
    with pytest.raises(ConfigError, match="hotline_status"):
        load_district_rules(path)


def test_two_rules_for_one_event_are_refused(tmp_path: Path):
    path = write(tmp_path, "x.yaml", """
district: x
rules:
  - {event: sla.warning, notify: [{audience: lead_department, channels: [email], template: t}]}
  - {event: sla.warning, notify: [{audience: hall_supervisor, channels: [email], template: t}]}
""")
    with pytest.raises(ConfigError, match="sla.warning has two rules"):
        load_district_rules(path)


def test_rule_naming_an_unknown_template_fails_at_load(tmp_path: Path):
    write(tmp_path, "x.yaml", """
district: x
rules:
  - {event: sla.warning, notify: [{audience: lead_department, channels: [email], template: nope}]}
""")
    with pytest.raises(ConfigError, match=r"unknown templates \['nope'\]"):
        load_rule_book(tmp_path, known_templates={"sla_warning_department"})


def test_unknown_district_without_default_is_an_error(tmp_path: Path):
    write(tmp_path, "x.yaml", """
district: x
rules: []
""")
    book = load_rule_book(tmp_path, known_templates=set())
    with pytest.raises(LookupError, match="'y'"):
        book.for_district("y")


def test_quiet_hours_across_midnight_release_at_their_end_next_morning():
    quiet = QuietHours(start=time(21), end=time(8))
    evening = datetime(2026, 11, 23, 13, 5, tzinfo=timezone.utc)  # 21:05 Shanghai
    early = datetime(2026, 11, 23, 22, 0, tzinfo=timezone.utc)  # 06:00 Shanghai next day
    morning = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)  # 08:00 Shanghai
    assert quiet.release_time(evening) == morning
    assert quiet.release_time(early) == morning
    assert quiet.release_time(morning) == morning


def test_quiet_hours_within_one_day():
    quiet = QuietHours(start=time(12), end=time(14))  # a lunch break
    lunch = datetime(2026, 11, 23, 4, 30, tzinfo=timezone.utc)  # 12:30 Shanghai
    assert quiet.release_time(lunch) == datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)
    assert not quiet.is_quiet(datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))
