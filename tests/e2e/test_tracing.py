"""One trace follows a registered case through all five services, across Kafka: exported by OTLP/HTTP to
a receiver of the test's own, it holds the POST /cases server span, and every consumer span's parents
lead back to it."""

import time
from collections.abc import Iterator

import httpx
import pytest

from shared.dev.stack import SERVICES, Stack
from tests.e2e.load import TRAIL, case_body
from tests.issuer import TokenIssuer, session_issuer
from tests.otlp_receiver import OtlpReceiver, ReceivedSpan

ROLES = {"intake": ("window_clerk", {"hall": "FT"}), "audit": ("auditor", {})}


def call(stack: Stack, method: str, service: str, path: str, **kwargs: object) -> httpx.Response:
    """Every HTTP call of this test, with a token of the suite's issuer for the role the route wants."""
    role, claims = ROLES[service]
    return httpx.request(method, f"{stack.url(service)}{path}", timeout=10,
                         headers=session_issuer().headers(role, **claims), **kwargs)  # type: ignore[arg-type]  # httpx's keywords, passed through


@pytest.fixture
def traced(tmp_path, issuer: TokenIssuer) -> Iterator[tuple[Stack, OtlpReceiver]]:
    with OtlpReceiver() as receiver:
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # export within a fifth of a second, not the default five
        }
        stack = Stack(var_dir=tmp_path, issuer=issuer.url, extra_env=env).start()
        try:
            yield stack, receiver
        finally:
            stack.stop()


def wait_for_trail(stack: Stack, case_id: str, timeout_s: float = 60) -> set[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        types = {entry["type"] for entry in call(stack, "GET", "audit", f"/cases/{case_id}/timeline").json()["items"]}
        if set(TRAIL) <= types:
            return types
        time.sleep(0.2)
    return types


def chain_to(span: ReceivedSpan, by_id: dict[str, ReceivedSpan], root: ReceivedSpan) -> list[str] | None:
    """The names from `span` up its parents to `root`, or None when the chain breaks or ends elsewhere."""
    names = [span.name]
    while span.span_id != root.span_id:
        span = by_id.get(span.parent_span_id)
        if span is None:
            return None
        names.append(span.name)
    return names


def test_one_trace_carries_a_case_through_all_five_services(traced: tuple[Stack, OtlpReceiver]) -> None:
    stack, receiver = traced
    response = call(stack, "POST", "intake", "/cases", json=case_body(1))
    assert response.status_code == 201, response.text
    case_id = response.json()["id"]
    assert set(TRAIL) <= wait_for_trail(stack, case_id), "the case was not dispatched and audited in time"

    def the_trace() -> tuple[ReceivedSpan, list[ReceivedSpan]] | None:
        servers = [s for s in receiver.received() if s.kind == "SERVER" and s.name == "POST /cases"]
        if not servers:
            return None
        root = servers[0]
        spans = [s for s in receiver.received() if s.trace_id == root.trace_id]
        by_id = {s.span_id: s for s in spans}
        consumers = [s for s in spans if s.kind == "CONSUMER"]
        delivered_audited = [s for s in consumers if s.service == "audit"
                             and s.attributes.get("bancheng.event.type") == "notify.delivered"]
        if {s.service for s in spans} >= set(SERVICES) and delivered_audited and all(
            chain_to(s, by_id, root) for s in consumers
        ):
            return root, spans
        return None

    deadline, found = time.monotonic() + 30, None
    while found is None and time.monotonic() < deadline:
        found = the_trace()
        time.sleep(0.2)
    spans_seen = sorted({(s.service, s.kind, s.name) for s in receiver.received()})
    assert found is not None, f"no complete trace of the case; spans seen: {spans_seen}"
    root, spans = found
    by_id = {s.span_id: s for s in spans}

    assert root.service == "intake" and root.parent_span_id == ""  # the registration's trace starts here
    assert root.attributes["http.route"] == "/cases" and root.attributes["http.response.status_code"] == 201
    assert {s.service for s in spans} >= {"intake", "routing", "sla", "notify", "audit"}
    consumers = [s for s in spans if s.kind == "CONSUMER"]
    for span in consumers:
        assert span.attributes["messaging.system"] == "kafka"
        assert span.attributes["messaging.destination.name"] == span.name.removeprefix("process ")
        assert span.attributes["messaging.operation.type"] == "process"
        assert span.attributes["messaging.kafka.message.key"] == case_id
        assert span.attributes["messaging.consumer.group.name"]
        # Each consumer's parent is the span that staged its event: the request, another consumer's, a delivery.
        assert by_id[span.parent_span_id].kind in ("SERVER", "CONSUMER", "INTERNAL")
    # The relays' passes: PRODUCER spans of their own traces, linked to what each record carried.
    linked = {span_id for s in receiver.received() if s.kind == "PRODUCER" for _trace, span_id in s.links}
    assert root.span_id in linked
    # Routing's work order, dispatched from the case it consumed, is consumed by sla in the same trace.
    dispatched = [
        s for s in consumers if s.service == "sla" and s.attributes["bancheng.event.type"] == "workorder.dispatched"
    ]
    assert dispatched, "sla's consumption of the work order is not in the case's trace"
    chain = chain_to(dispatched[0], by_id, root)
    assert chain[-1] == "POST /cases" and "process bancheng.case.events" in chain
    # The notification: planned from an event, sent by the dispatcher, its result audited, one chain.
    audited = next(
        s for s in consumers if s.service == "audit" and s.attributes["bancheng.event.type"] == "notify.delivered"
    )
    assert any(name.startswith("deliver ") for name in chain_to(audited, by_id, root))
    assert not [s for s in receiver.received() if s.name in ("GET /readyz", "GET /healthz")]  # probes are not traced
    # Nothing personal in a span: the applicant's name and phone appear in no name, attribute or resource.
    applicant = case_body(1)["applicant"]
    exported = repr([(s.name, s.attributes, s.service) for s in receiver.received()])
    assert applicant["phone"] not in exported and applicant["name"] not in exported
