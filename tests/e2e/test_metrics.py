"""Every metric the operator's rules and dashboards need is on /metrics of the running services, is
exactly the catalogue (deploy/prometheus/metrics.yml), and moves when it should: a registration counts,
a dead letter counts, lag and outbox age are reported per group and service, the SLA, routing and notify
figures follow a case, and a case forwarded while routing is down shows as stuck until routing is back."""

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from shared.dev.stack import SERVICES, Stack
from shared.topics import CASE_EVENTS
from tests.e2e.load import case_body, clerk_token, post_case
from tests.issuer import TokenIssuer
from tests.metric_catalogue import catalogue

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, issuer: TokenIssuer) -> Iterator[Stack]:
    fast = {f"BANCHENG_{name.upper()}_GAUGE_INTERVAL_S": "0.3" for name in SERVICES}
    running = Stack(var_dir=tmp_path_factory.mktemp("stack"), issuer=issuer.url,
                    extra_env={**fast, "BANCHENG_INTAKE_STUCK_AFTER_S": "1"})
    running.start()
    yield running
    running.stop()


def scrape(stack: Stack, service: str) -> tuple[dict[str, str], Samples]:
    """The families (as PromQL names them, with their type) and the samples of one service."""
    text = httpx.get(f"{stack.url(service)}/metrics", timeout=10).text
    families, samples = {}, {}
    for family in text_string_to_metric_families(text):
        if family.name.endswith("_created"):  # the client's creation timestamps of labelled counters
            continue
        families[family.name + ("_total" if family.type == "counter" else "")] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return families, samples


def value(stack: Stack, at: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` on service `at` whose labels include `labels` (0 when none)."""
    _, samples = scrape(stack, at)
    wanted = set(labels.items())
    return sum(v for (sample, sample_labels), v in samples.items() if sample == name and wanted <= sample_labels)


def eventually(check: Callable[[], bool], timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while not (ok := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return ok


def test_services_expose_exactly_the_catalogued_metrics(stack: Stack) -> None:
    exposed: dict[str, str] = {}
    for service in SERVICES:
        families, _ = scrape(stack, service)
        exposed |= {name: kind for name, kind in families.items() if name.startswith(("bancheng_", "faststream_"))}
    assert exposed == catalogue()


def test_a_registration_is_counted_by_route_template_and_status_class(stack: Stack, issuer: TokenIssuer) -> None:
    created = dict(service="intake", route="/cases", method="POST", status_class="2xx")
    before = value(stack, "intake", "bancheng_http_requests_total", **created)
    token = clerk_token(issuer)
    case_id = post_case(stack.url("intake"), 1, token=token)
    authorised = {"Authorization": f"Bearer {token}"}
    rejected = httpx.post(f"{stack.url('intake')}/cases", json={**case_body(2), "hall": ""}, headers=authorised,
                          timeout=10)
    httpx.get(f"{stack.url('intake')}/cases/{case_id}", headers=authorised, timeout=10)

    assert value(stack, "intake", "bancheng_http_requests_total", **created) == before + 1
    assert rejected.status_code // 100 == 4
    assert value(stack, "intake", "bancheng_http_requests_total", route="/cases", status_class="4xx") >= 1
    assert value(stack, "intake", "bancheng_http_requests_total", route="/cases/{case_id}", method="GET") >= 1
    assert value(stack, "intake", "bancheng_http_request_duration_seconds_count", route="/cases", method="POST") >= 1
    _, samples = scrape(stack, "intake")
    assert not any(case_id in dict(labels).get("route", "") for _, labels in samples)  # templates, not paths


def test_a_case_moves_the_sla_routing_and_notify_figures(stack: Stack, issuer: TokenIssuer) -> None:
    post_case(stack.url("intake"), 3, token=clerk_token(issuer))
    assert eventually(lambda: value(stack, "sla", "bancheng_sla_deadlines", district="demo", state="open") >= 1)
    assert eventually(lambda: value(stack, "notify", "bancheng_notify_deliveries_total", result="delivered") >= 1)
    _, sla = scrape(stack, "sla")
    assert ("bancheng_sla_firing_overdue_seconds", frozenset()) in sla
    assert sla[("bancheng_sla_calendar_next_year_known", frozenset())] in (0.0, 1.0)
    assert {("district", "demo"), ("colour", "red")} <= set().union(
        *[labels for name, labels in sla if name == "bancheng_sla_cards"])
    _, routing = scrape(stack, "routing")
    assert ("bancheng_routing_queued_cases", frozenset({("district", "demo"), ("queue", "manual_triage")})) in routing


def test_every_group_reports_its_lag_and_every_service_its_outbox_age(stack: Stack) -> None:
    import importlib

    for service in SERVICES:
        groups = {c.group for c in importlib.import_module(f"services.{service}.app").build_runtime().consumers}
        assert eventually(lambda: groups <= reported_groups(stack, service)), service  # noqa: B023 - called within this iteration
        assert value(stack, service, "bancheng_outbox_oldest_unsent_age_seconds", service=service) >= 0
        _, samples = scrape(stack, service)
        assert ("bancheng_outbox_oldest_unsent_age_seconds", frozenset({("service", service)})) in samples


def reported_groups(stack: Stack, service: str) -> set[str]:
    _, samples = scrape(stack, service)
    return {dict(labels)["group"] for name, labels in samples if name == "bancheng_consumer_lag_messages"}


def test_a_dead_letter_increments_its_groups_counter(stack: Stack) -> None:
    before = value(stack, "routing", "bancheng_dead_letters_total", consumer="routing")

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=stack.broker.bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(CASE_EVENTS, b"{not json", key=uuid.uuid4().hex.encode())
        finally:
            await producer.stop()

    asyncio.run(publish())
    assert eventually(lambda: value(stack, "routing", "bancheng_dead_letters_total", consumer="routing") == before + 1)


def test_a_case_forwarded_while_routing_is_down_is_stuck_until_routing_is_back(
    stack: Stack, issuer: TokenIssuer
) -> None:
    stack.stop_service("routing")
    try:
        post_case(stack.url("intake"), 4, token=clerk_token(issuer))
        assert eventually(lambda: value(stack, "intake", "bancheng_intake_stuck_cases", district="demo") >= 1)
    finally:
        stack.start_service("routing")
    assert eventually(lambda: value(stack, "intake", "bancheng_intake_stuck_cases", district="demo") == 0, 120)
