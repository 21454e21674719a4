"""The metric names the services expose (deploy/prometheus/metrics.yml) and the series names PromQL may
use for them; the rules' and dashboards' tests check their queries against these."""

import re

import yaml

from shared.settings import REPO_ROOT

CATALOGUE_FILE = REPO_ROOT / "deploy" / "prometheus" / "metrics.yml"
RULES_FILE = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
# Series Prometheus itself writes for every target, and its ALERTS series.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "ALERTS", "ALERTS_FOR_STATE"}
HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
# A metric name in PromQL: an identifier not followed by "(" (a function), not a label name inside braces,
# not a keyword. Label values and strings are removed before matching.
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
             "offset", "inf", "nan", "le", "quantile"}


def catalogue() -> dict[str, str]:
    return yaml.safe_load(CATALOGUE_FILE.read_text())


def series_names() -> set[str]:
    """Every series name a query may select: counters and gauges as named, histograms' three series."""
    names = set(PROMETHEUS_OWN)
    for name, kind in catalogue().items():
        names |= {name + suffix for suffix in HISTOGRAM_SERIES} if kind == "histogram" else {name}
    return names


def recorded_names() -> set[str]:
    rules = yaml.safe_load(RULES_FILE.read_text())
    return {rule["record"] for group in rules["groups"] for rule in group["rules"] if "record" in rule}


def metric_names_in(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (a plain lexical reading, enough for our queries)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings: label values, regexes
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range and subquery durations
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    expr = re.sub(r"\$\{?\w+\}?", "", expr)  # Grafana variables ($__rate_interval, ${datasource})
    names = set()
    for match in _IDENTIFIER.finditer(expr):
        word, rest = match.group(), expr[match.end():].lstrip()
        if rest.startswith("(") or word.lower() in _KEYWORDS or re.fullmatch(r"\d+[smhdwy]?", word):
            continue
        if expr[max(match.start() - 1, 0)].isdigit():  # the unit of a number: 5m, 1e3
            continue
        names.add(word)
    return names
