"""Tracing follows the standard OTEL_* settings, is off without an exporter, and carries a span's context
in the envelope (W3C traceparent/tracestate) from where an event is staged to where it is published."""

from datetime import UTC, datetime

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared import tracing
from shared.envelope import Envelope
from shared.events.case import CaseAccepted, CaseRegistered
from shared.lean_spans import LeanSpan
from shared.outbox import row

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def registered(**extra: object) -> Envelope:
    return Envelope.wrap(
        CaseRegistered(case_number="N-1", hall="H1", channel="walk_in", problem_kind="missing_materials",
                       description="租赁备案缺银行同意函", applicant_kind="person", applicant_masked="张*"),
        source="intake", case_id="case-1", district="demo", actor="staff:7", hall="H1", occurred_at=AT, **extra)


def test_tracing_is_off_without_an_exporter_or_endpoint() -> None:
    assert tracing.exporter_names({}) == []
    assert tracing.exporter_names({"OTEL_TRACES_EXPORTER": "none"}) == []
    assert tracing.exporter_names({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}) == []
    assert tracing.configure("intake", {}) is None
    assert not tracing.enabled()


def test_an_otlp_endpoint_or_a_named_exporter_turns_tracing_on() -> None:
    assert tracing.exporter_names({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) == ["otlp"]
    assert tracing.exporter_names({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}) == ["otlp"]
    assert tracing.exporter_names({"OTEL_TRACES_EXPORTER": "otlp, console"}) == ["otlp", "console"]


def test_the_otlp_protocol_setting_picks_the_http_or_grpc_exporter() -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as Grpc
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as Http

    assert isinstance(tracing.exporter("otlp", {}), Http)  # the specification's default: http/protobuf
    assert isinstance(tracing.exporter("otlp", {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}), Grpc)
    assert isinstance(tracing.exporter("otlp", {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                                                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}), Http)
    with pytest.raises(tracing.TracingConfigError, match="http/json"):
        tracing.exporter("otlp", {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})
    with pytest.raises(tracing.TracingConfigError, match="zipkin"):
        tracing.exporter("zipkin", {})


def test_service_name_is_the_service_unless_otel_service_name_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    attributes = tracing.resource("routing").attributes
    assert attributes["service.name"] == "routing" and attributes["service.namespace"] == "bancheng"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "routing-eu")
    assert tracing.resource("routing").attributes["service.name"] == "routing-eu"


def test_with_tracing_off_an_event_carries_its_cause_trace_context_and_nothing_is_made() -> None:
    cause = Envelope.wrap(CaseAccepted(case_number="N-1"), source="intake", case_id="case-1", district="demo",
                          actor="staff:7", occurred_at=AT).model_copy(update={"traceparent": PARENT})
    assert not tracing.enabled()
    assert registered().traceparent is None
    assert registered(caused_by=cause).traceparent == PARENT
    assert tracing.current() is None


def test_an_event_staged_in_a_span_carries_that_span_context(spans: InMemorySpanExporter) -> None:
    with tracing.active_span("POST /cases", kind=SpanKind.SERVER) as span:
        envelope = registered()
    context = span.get_span_context()
    assert envelope.traceparent == f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    headers = dict(envelope.to_kafka()[2])
    assert headers["traceparent"] == envelope.traceparent.encode()
    # Captured elsewhere (intake's group commit builds events outside the request's span): taken as given.
    assert registered(trace_context=(PARENT, "vendor=1")).tracestate == "vendor=1"


def test_the_relay_sends_a_pass_in_one_producer_span_linked_to_each_staged_context(
    spans: InMemorySpanExporter,
) -> None:
    staged = row(registered(trace_context=(PARENT, "vendor=a")), topic="bancheng.case.events")
    other = row(registered(trace_context=(PARENT[:36] + "00f067aa0ba902b7-01", None)), topic="bancheng.case.events")
    before = list(staged["headers"])
    rows = [(1, staged["topic"], staged["key"], staged["value"], staged["headers"], AT),
            (2, other["topic"], other["key"], other["value"], other["headers"], AT)]
    sent, headers = tracing.send_spans(rows)
    tracing.end_all(sent)
    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.PRODUCER and span.name == "send bancheng.case.events"
    assert [(link.context.trace_id, link.context.span_id) for link in span.links] == [
        (int("0af7651916cd43dd8448eb211c80319c", 16), int("b7ad6b7169203331", 16)),
        (int("0af7651916cd43dd8448eb211c80319c", 16), int("00f067aa0ba902b7", 16))]
    assert span.attributes["messaging.system"] == "kafka"
    assert span.attributes["messaging.destination.name"] == "bancheng.case.events"
    assert span.attributes["messaging.operation.type"] == "send"
    assert span.attributes["messaging.batch.message_count"] == 2
    # The records carry the staged context on: their consumers continue the span that staged them.
    assert headers[0] == [(name, content.encode()) for name, content in before]
    assert dict(headers[0])["traceparent"] == PARENT.encode() and dict(headers[0])["tracestate"] == b"vendor=a"
    assert staged["headers"] == before  # the row is left as staged (a failed send is retried from it)


def test_a_record_staged_without_a_context_gets_a_producer_span_of_its_own(spans: InMemorySpanExporter) -> None:
    timer = row(registered(), topic="bancheng.sla.events")  # a sweeper's event: no request, no record
    sent, headers = tracing.send_spans([(1, timer["topic"], timer["key"], timer["value"], timer["headers"], AT)])
    tracing.end_all(sent)
    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.PRODUCER and span.name == "send bancheng.sla.events" and span.parent is None
    assert span.attributes["messaging.kafka.message.key"] == "case-1"
    assert dict(headers[0])["traceparent"] == tracing.headers_of(span.context)[0].encode()
    assert [name for name, _ in headers[0]].count("traceparent") == 1
    assert dict(headers[0])["ce_type"] == b"case.registered"  # the envelope's own headers are kept


def test_a_malformed_traceparent_starts_a_new_trace_rather_than_failing(spans: InMemorySpanExporter) -> None:
    with tracing.active_span("x", parent_of=registered(trace_context=("00-not-a-context", None))) as span:
        pass
    assert span.parent is None and span.get_span_context().is_valid


def test_a_sampled_out_trace_makes_no_span_and_passes_its_context_on() -> None:
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(TraceIdRatioBased(0.5)))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"

    class Record:
        topic, key, partition, offset = "bancheng.case.events", b"case-1", 0, 7

    try:
        cause = registered(trace_context=(unsampled, "vendor=1"))
        with tracing.consuming(cause, Record(), group="routing"):
            effect = registered()  # staged by a handler: the context it came in
        staged = row(effect, topic="bancheng.workorder.events")
        spans, headers = tracing.send_spans(
            [(1, staged["topic"], staged["key"], staged["value"], staged["headers"], AT)]
        )
        assert tracing.consumer_spans([(cause, Record())], group="audit") == []
        sampled = row(registered(trace_context=(PARENT, None)), topic="t")  # a sampled parent is followed too
        recorded, _ = tracing.send_spans([(2, "t", sampled["key"], sampled["value"], sampled["headers"], AT)])
        tracing.end_all(recorded)
    finally:
        tracing.install(None)
    assert (effect.traceparent, effect.tracestate) == (unsampled, "vendor=1")
    assert spans == [] and dict(headers[0])["traceparent"] == unsampled.encode()
    assert [(span.name, len(span.links)) for span in exporter.get_finished_spans()] == [("send t", 1)]


def test_a_staged_context_is_read_as_the_w3c_propagator_reads_it() -> None:
    sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    for traceparent, tracestate in [(sampled, None), (sampled, "vendor=a,other=b"), (sampled[:-2] + "03", None),
                                    ("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", None)]:
        read = tracing.remote(traceparent, tracestate)
        expected = trace.get_current_span(tracing.parent(traceparent, tracestate)).get_span_context()
        assert read == expected and read.is_remote and read.trace_state == expected.trace_state
    for malformed in [None, "", "00-not-a-context", sampled.upper(), "00-" + "0" * 32 + sampled[35:],
                      sampled[:36] + "0" * 16 + "-01", "ff" + sampled[2:]]:
        assert tracing.remote(malformed, None) is None


def test_a_consumer_span_of_a_sampled_record_is_the_one_the_sdk_would_record(spans: InMemorySpanExporter) -> None:
    class Record:
        topic, key, partition, offset = "bancheng.case.events", b"case-1", 0, 7

    cause = registered(trace_context=(PARENT, "vendor=a"))
    with tracing.consuming(cause, Record(), group="routing") as lean:
        effect = registered()  # staged by the handler: continues the consumer span
    sdk = tracing.tracer().start_span("process bancheng.case.events", context=tracing.parent(PARENT, "vendor=a"),
                                      kind=SpanKind.CONSUMER)
    sdk.end()
    recorded, expected = spans.get_finished_spans()
    assert isinstance(lean, LeanSpan) and recorded is lean
    assert (recorded.kind, recorded.parent, recorded.resource, recorded.instrumentation_scope) == (
        expected.kind, expected.parent, expected.resource, expected.instrumentation_scope)
    assert recorded.context.trace_id == expected.context.trace_id
    assert recorded.context.trace_flags == expected.context.trace_flags
    assert recorded.context.trace_state == expected.context.trace_state
    assert recorded.start_time <= recorded.end_time
    assert recorded.attributes["messaging.consumer.group.name"] == "routing"
    assert effect.traceparent == tracing.headers_of(recorded.context)[0] and effect.tracestate == "vendor=a"


def test_a_record_staged_without_a_context_starts_a_trace_through_the_sampler() -> None:
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF))  # roots never sampled, parents followed
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        timer = row(registered(), topic="bancheng.sla.events")  # a sweeper's event: no request, no record
        sent, headers = tracing.send_spans([(1, timer["topic"], timer["key"], timer["value"], timer["headers"], AT)])
        tracing.end_all(sent)
    finally:
        tracing.install(None)
    assert exporter.get_finished_spans() == () and not sent[0].is_recording()
    assert int(dict(headers[0])["traceparent"][-2:], 16) & 1 == 0  # not sampled: the decision travels on


def test_the_batch_processor_sends_bigger_batches_unless_otel_bsp_sizes_are_set() -> None:
    assert tracing.batching({}) == {"max_export_batch_size": 2048, "max_queue_size": 8192}
    assert tracing.batching({"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "100"}) == {}
    assert tracing.batching({"OTEL_BSP_MAX_QUEUE_SIZE": "100"}) == {}
