"""The hand-written OTLP encoding gives the same bytes as the OTLP exporter's own encoder, for the spans the
services make and for the rarer shapes (errors with events, links, every attribute type, two resources)."""

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from shared import tracing
from shared.otlp_encoding import SpanEncoder

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def finished_spans(resource: Resource) -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bancheng", "1.2")
    remote = tracing.parent(PARENT, "vendor=a,other=b")
    tracer.start_span("process bancheng.case.events", context=remote, kind=SpanKind.CONSUMER, attributes={
        "messaging.system": "kafka", "messaging.kafka.message.key": "case-1", "empty": "",
    }).end()
    with tracer.start_as_current_span("POST /cases", kind=SpanKind.SERVER) as server:
        server.set_attributes({"http.response.status_code": 201, "negative": -3, "ratio": 0.25, "flag": False,
                               "zero": 0, "big": 2**62, "names": ("a", "b"), "counts": [1, 2], "raw": b"\x00\xff"})
        child = tracer.start_span("deliver wecom", links=[Link(server.get_span_context(), {"why": "batch"})])
        try:
            raise ValueError("refused: 呼叫中心")
        except ValueError as error:
            child.record_exception(error)
            child.set_status(Status(StatusCode.ERROR, "ValueError: refused"))
        child.end()
    done = tracer.start_span("send bancheng.case.events", kind=SpanKind.PRODUCER)
    done.set_status(Status(StatusCode.OK))
    done.end()
    provider.force_flush()
    return list(exporter.get_finished_spans())


def test_spans_encode_to_the_exporters_own_bytes() -> None:
    spans = finished_spans(Resource.create({"service.name": "routing", "service.namespace": "bancheng"}))
    spans += finished_spans(Resource.create({"service.name": "sla"}, schema_url="https://opentelemetry.io/schemas/1.27.0"))
    encoder = SpanEncoder()
    expected = encode_spans(spans).SerializePartialToString()
    assert encoder.request(spans) == expected
    assert encoder.request(spans) == expected  # again, from the kept attributes and headers
    decoded = ExportTraceServiceRequest.FromString(encoder.request(spans))
    assert [len(group.scope_spans[0].spans) for group in decoded.resource_spans] == [4, 4]


def test_a_span_of_a_scope_without_a_name_or_version_still_encodes_as_the_exporter_does() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("").start_span("x").end()
    spans = exporter.get_finished_spans()
    assert SpanEncoder().request(spans) == encode_spans(spans).SerializePartialToString()
