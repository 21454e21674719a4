"""The Grafana dashboards are provisioned as files: each parses, keeps its stable uid, picks its data
source through the `datasource` variable in every panel and query, and queries only metrics the services
expose (deploy/prometheus/metrics.yml, checked against /metrics by tests/e2e/test_metrics.py) or the
recording rules define."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from shared.settings import REPO_ROOT
from tests.metric_catalogue import metric_names_in, recorded_names, series_names

GRAFANA = REPO_ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
UIDS = {"pipeline.json": "bancheng-pipeline", "sla.json": "bancheng-sla", "notify.json": "bancheng-notify",
        "service.json": "bancheng-service"}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def panels(board: dict) -> Iterator[dict]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def queries(board: dict) -> Iterator[str]:
    for panel in panels(board):
        for target in panel.get("targets", []):
            yield target["expr"]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            yield variable["definition"].removeprefix("label_values(").rsplit(",", 1)[0]


def test_the_dashboards_are_those_whose_uids_links_rely_on() -> None:
    assert {path.name: json.loads(path.read_text())["uid"] for path in DASHBOARDS} == UIDS


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_and_query_uses_the_datasource_variable(path: Path) -> None:
    board = json.loads(path.read_text())
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for variable in variables.values():
        if variable["type"] == "query":
            assert variable["datasource"] == DATASOURCE, variable["name"]
    drawn = [panel for panel in panels(board) if panel["type"] != "row"]
    assert drawn
    for panel in drawn:
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_queries_use_only_exposed_or_recorded_metrics(path: Path) -> None:
    board = json.loads(path.read_text())
    known = series_names() | recorded_names()
    for expr in queries(board):
        assert metric_names_in(expr), expr  # a query that selects nothing known would slip through
        assert metric_names_in(expr) - known == set(), expr


def test_provisioning_points_grafana_at_prometheus_and_the_dashboards() -> None:
    sources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert [(s["type"], s["url"]) for s in sources["datasources"]] == [("prometheus", "http://prometheus:9090")]
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "bancheng.yml").read_text())
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    mounts = dict(volume.split(":")[:2] for volume in compose["services"]["grafana"]["volumes"])
    assert mounts["./deploy/grafana/dashboards"] == providers["providers"][0]["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"


def test_metric_names_are_read_from_queries_as_promql_has_them() -> None:
    expr = ('histogram_quantile(0.99, sum by (route, le) (rate(bancheng_http_request_duration_seconds_bucket'
            '{service="$service", route=~"/cases.*"}[$__rate_interval]))) / on (x) up offset 5m')
    assert metric_names_in(expr) == {"bancheng_http_request_duration_seconds_bucket", "up"}
    assert "bancheng_no_such_metric" in metric_names_in("sum(rate(bancheng_no_such_metric[5m])) > 1e3")
