"""An operator fills in 2027 in the overrides file and reloads: open deadlines over it are recomputed, and
the December gauge the calendar alert watches turns from unknown to known."""

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.events.case import CaseRegistered
from shared.topics import CASE_EVENTS
from shared.working_days import SHIPPED_OVERRIDES

SH = ZoneInfo("Asia/Shanghai")
# Complex (10 working days) from Thursday 2026-12-24: the count runs into January 2027.
REGISTERED_AT = datetime(2026, 12, 24, 10, 0, tzinfo=SH)
ASSUMED_DUE = datetime(2027, 1, 8, 17, 30, tzinfo=SH)  # 2027-01-01 is a holiday in the shipped file
DECLARED_2027 = """
years:
  - {year: 2027, source: "test notice"}
days:
  - {date: 2027-01-01, kind: holiday, note: "元旦"}
  - {date: 2027-01-04, kind: holiday, note: "a local holiday, to move the deadline"}
"""


def gauge(url: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics").text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    return None


def eventually_equal(read, expected: float, timeout_s: float = 30) -> float | None:
    deadline = time.monotonic() + timeout_s
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_reloading_a_filled_in_2027_recomputes_and_announces_the_crossing_deadline(
    sla_factory, new_case_id, tmp_path: Path
) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(SHIPPED_OVERRIDES.read_text(encoding="utf-8"), encoding="utf-8")
    sla = sla_factory("sqlite", REGISTERED_AT, BANCHENG_SLA_CALENDAR_OVERRIDES_PATH=str(overrides),
                      BANCHENG_SLA_GAUGE_INTERVAL_S="0.1")
    sla.publish(CASE_EVENTS, CaseRegistered(
        case_number="DEMO-20261224-0001", hall="DEMO", channel="walk_in", problem_kind="policy", tier="complex",
        description="跨部门协调", applicant_kind="enterprise", applicant_masked="某某有限公司",
    ), case_id=new_case_id, at=REGISTERED_AT)
    armed = sla.wait_for(new_case_id, lambda events: len(events) >= 1)[0]
    assert armed.data["assumed_weekdays"] is True
    assert datetime.fromisoformat(armed.data["due_at"]) == ASSUMED_DUE

    status = httpx.get(f"{sla.url}/calendar/status", headers=sla.operator).json()
    assert 2027 in status["unknown_years_ahead"] and status["open_deadlines_assumed"] >= 1
    assert "2027" in status["banner_zh"]
    assert 'bancheng_sla_assumed_weekday_schedules_total{year="2027"}' in httpx.get(f"{sla.url}/metrics").text
    def next_year_known() -> float | None:
        return gauge(sla.url, "bancheng_sla_calendar_next_year_known")

    assert eventually_equal(next_year_known, 0.0) == 0.0  # December 2026, 2027 unknown: the alert's case
    # At least this case's: the process reads the session's whole case stream, other tests' demo cases too.
    def open_deadlines() -> float:
        return gauge(sla.url, "bancheng_sla_deadlines", district="demo", state="open") or 0

    deadline = time.monotonic() + 30
    while open_deadlines() < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_deadlines() >= 1

    overrides.write_text("days: [{date: 2027-01-04, kind: nonsense}]", encoding="utf-8")
    refused = httpx.post(f"{sla.url}/calendar/reload", headers=sla.operator)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "calendar_overrides"

    overrides.write_text(DECLARED_2027, encoding="utf-8")
    result = httpx.post(f"{sla.url}/calendar/reload", headers=sla.operator).json()
    assert "2027-01-04" in result["changed_days"]["demo"] and result["rearmed"] >= 1
    events = sla.wait_for(new_case_id, lambda found: any(e.data.get("change") == "calendar_changed" for e in found))
    rearmed = events[-1]
    assert rearmed.data["assumed_weekdays"] is False
    assert datetime.fromisoformat(rearmed.data["due_at"]) == datetime(2027, 1, 11, 17, 30, tzinfo=SH)
    assert httpx.get(f"{sla.url}/calendar/status", headers=sla.operator).json()["unknown_years_ahead"] == []
    assert eventually_equal(next_year_known, 1.0) == 1.0
