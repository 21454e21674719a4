"""The alerting rules load, every alert is unit-tested by promtool and carries what the on-call operator
needs (severity, summary, description, a runbook section), and they query only metrics that exist."""

import re
import shutil
import subprocess

import pytest
import yaml

from shared.settings import REPO_ROOT
from tests.metric_catalogue import RULES_FILE, metric_names_in, recorded_names, series_names

PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
RUNBOOK = REPO_ROOT / "docs" / "operations.md"
RULES = [rule for group in yaml.safe_load(RULES_FILE.read_text())["groups"] for rule in group["rules"]]
ALERTS = [rule for rule in RULES if "alert" in rule]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Not skipped when missing: `make test` installs it (Debian's prometheus package), CI included."""
    executable = shutil.which("promtool")
    assert executable, "promtool missing: `make promtool` installs Debian's prometheus package"
    return subprocess.run([executable, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=300)


def test_promtool_accepts_the_rules() -> None:
    result = promtool("check", "rules", RULES_FILE.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    result = promtool("test", "rules", *[str(path.relative_to(PROMETHEUS_DIR)) for path in TESTS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_promtool_test_case() -> None:
    tested = {
        case["alertname"]
        for path in TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")  # a case that expects the alert to fire, not only silence
    }
    assert {alert["alert"] for alert in ALERTS} - tested == set()


@pytest.mark.parametrize("alert", ALERTS, ids=[f'{a["alert"]}-{a["labels"].get("long", "")}' for a in ALERTS])
def test_every_alert_has_a_severity_and_the_three_annotations(alert: dict) -> None:
    assert alert["labels"]["severity"] in {"critical", "warning", "info"}
    assert {"summary", "description", "runbook_url"} <= set(alert["annotations"])
    assert all(alert["annotations"][key].strip() for key in ("summary", "description", "runbook_url"))


def test_every_runbook_url_points_at_a_section_of_the_runbook() -> None:
    headings = re.findall(r"^#+ (.+)$", RUNBOOK.read_text(), flags=re.MULTILINE)
    anchors = {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}
    for alert in ALERTS:
        path, _, anchor = alert["annotations"]["runbook_url"].partition("#")
        assert path == "docs/operations.md" and anchor in anchors, alert["alert"]
        assert anchor == alert["alert"].lower()


def test_rules_query_only_exposed_or_recorded_metrics() -> None:
    known = series_names() | recorded_names()
    for rule in RULES:
        assert metric_names_in(rule["expr"]) - known == set(), rule.get("alert") or rule.get("record")


def test_prometheus_loads_the_rule_files() -> None:
    config = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/rules/alerts.yml"]
