"""Tracing (OpenTelemetry): one trace follows a case through the services, across Kafka and HTTP.

The trace context travels in the envelope (`traceparent`/`tracestate`, W3C Trace Context), so in each
outbox row and Kafka record. Where it is made and read:
- an HTTP request is a SERVER span (`shared.tracing_http`), continuing the caller's `traceparent`;
- an event staged while a span is current carries that span's context (`Envelope.wrap`);
- the relay publishes a pass's records in one PRODUCER span ("send <topic>") linked to each record's
  staged context, which the record carries on (`send_spans`);
- a consumer applies each event in a CONSUMER span ("process <topic>"), child of the record's context, so
  of the span that staged it (`consuming`), and what the handler stages continues the same trace.

Off unless an exporter is configured by the standard OpenTelemetry variables (`configure`): then no
provider exists, nothing is recorded, and the hot paths only test `enabled()`.
"""

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, Status, StatusCode, TraceFlags, Tracer, TraceState
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.lean_spans import LeanSpan, LeanTracer

if TYPE_CHECKING:  # shared.envelope imports this module
    from aiokafka import ConsumerRecord

    from shared.envelope import Envelope

INSTRUMENTATION = "bancheng"
# A span context as the envelope carries it: (traceparent, tracestate or None).
TraceHeaders = tuple[str, str | None]
_PROPAGATOR = TraceContextTextMapPropagator()
_NOTHING = nullcontext()
_STAGED_HEADERS = ("traceparent", "tracestate", "ce_id")
_tracer: Tracer | None = None
_provider: TracerProvider | None = None
# The sampler follows a parent's decision (every `parentbased_*`): a child of an unsampled context would be
# a non-recording span, so none is made and the context is passed on as it came (sampled-out traces cost
# a flag test, not a span, a header rewrite and an attach per event).
_follow_unsampled = False
_UNSAMPLED = frozenset(f"{flags:02x}" for flags in range(0, 256, 2))  # trace flags without the sampled bit
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")  # version 00, as every service writes
_lean: LeanTracer | None = None


class TracingConfigError(ValueError):
    """An OTEL_* setting names something this build cannot export with."""


def exporter_names(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The span exporters the environment asks for; [] means tracing is off.

    The specification's default for `OTEL_TRACES_EXPORTER` is "otlp"; here an unset one means "otlp" only
    when an OTLP endpoint is set, so a service started without any OTEL_* setting records nothing (and
    does not retry a collector on localhost that is not there)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not named:
        endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        return ["otlp"] if endpoint else []
    names = [name.strip() for name in named.split(",") if name.strip()]
    return [] if names == ["none"] else names


def exporter(name: str, environ: Mapping[str, str] = os.environ) -> SpanExporter:
    """One exporter by its OTEL_TRACES_EXPORTER name; the OTLP exporters read their endpoint, headers,
    timeout, compression and certificates from the standard variables themselves."""
    if name == "otlp":
        protocol = (environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
                    or "http/protobuf").strip().lower()
        if protocol == "http/protobuf":
            from shared.otlp_encoding import OtlpHttpSpanExporter
            return OtlpHttpSpanExporter()
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
            return GrpcExporter()
        raise TracingConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: use 'http/protobuf' or 'grpc'")
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter
        return ConsoleSpanExporter()
    raise TracingConfigError(f"OTEL_TRACES_EXPORTER names {name!r}: use 'otlp', 'console' or 'none'")


def configure(service: str, environ: Mapping[str, str] = os.environ) -> TracerProvider | None:
    """This process's tracing from the OTEL_* settings: a provider exporting through a batch processor, or
    None (off). `service.name` is OTEL_SERVICE_NAME or the service's name; the sampler is the SDK's
    (OTEL_TRACES_SAMPLER, parent-based always-on by default); the batch processor reads OTEL_BSP_*."""
    names = exporter_names(environ)
    if not names:
        install(None)
        return None
    exporters = [exporter(name, environ) for name in names]
    # A relay pass of up to 500 records links to each (the SDK keeps 128 links a span unless told).
    links = None if "OTEL_SPAN_LINK_COUNT_LIMIT" in environ else 512
    provider = TracerProvider(resource=resource(service), span_limits=SpanLimits(max_links=links))
    batch = batching(environ)
    for span_exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(span_exporter, max_queue_size=batch.get("max_queue_size"),
                                                       max_export_batch_size=batch.get("max_export_batch_size")))
    install(provider)
    return provider


def batching(environ: Mapping[str, str] = os.environ) -> dict[str, int]:
    """The batch processor's sizes where OTEL_BSP_* leave them to the SDK: batches of up to 2,048 spans (the
    SDK's 512 make four requests where one does) in a queue of 8,192 (a few seconds of a busy service's
    spans). A size that is set is read by the processor itself."""
    sizes = {"max_export_batch_size": 2048, "max_queue_size": 8192}
    if "OTEL_BSP_MAX_EXPORT_BATCH_SIZE" in environ or "OTEL_BSP_MAX_QUEUE_SIZE" in environ:
        return {}  # the two must agree (a batch no larger than the queue): both the SDK's then
    return sizes


def resource(service: str) -> Resource:
    """The service's name in the `bancheng` namespace, unless OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES say
    otherwise."""
    given = OTELResourceDetector().detect().attributes
    return Resource.create({"service.name": service, "service.namespace": "bancheng", **given})


def install(provider: TracerProvider | None) -> None:
    """Trace through `provider` from now on (None: off). Tests install one with an in-memory exporter."""
    global _tracer, _provider, _follow_unsampled, _lean
    _provider = provider
    _tracer = provider.get_tracer(INSTRUMENTATION) if provider is not None else None
    _follow_unsampled = provider is not None and isinstance(provider.sampler, ParentBased)
    _lean = LeanTracer(_tracer, INSTRUMENTATION) if _follow_unsampled and isinstance(_tracer, SdkTracer) else None


def enabled() -> bool:
    return _tracer is not None


def tracer() -> Tracer:
    if _tracer is None:
        raise RuntimeError("tracing is off")
    return _tracer


def shutdown() -> None:
    """Export what is buffered and stop (a stopping service's last spans are not lost)."""
    if _provider is not None:
        _provider.shutdown()
    install(None)


def current() -> TraceHeaders | None:
    """The current span's context as the envelope carries it, or None (tracing off, or no span)."""
    if _tracer is None:
        return None
    span_context = trace.get_current_span().get_span_context()
    return headers_of(span_context) if span_context.is_valid else None


def headers_of(span_context: SpanContext) -> TraceHeaders:
    traceparent = f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}-{span_context.trace_flags:02x}"
    return traceparent, (span_context.trace_state.to_header() or None) if span_context.trace_state else None


def parent(traceparent: str | None, tracestate: str | None) -> otel_context.Context:
    """The context to start a child span in: the remote span `traceparent` names (an empty context, so a
    new trace, when it is absent or malformed)."""
    if not traceparent:
        return otel_context.Context()
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _PROPAGATOR.extract(carrier, context=otel_context.Context())


def remote(traceparent: str | None, tracestate: str | None) -> SpanContext | None:
    """The remote span `traceparent` names, or None when it is absent or malformed (as `parent` reads it;
    version 00, which every service writes, without the propagator's general parsing)."""
    if not traceparent:
        return None
    match = _TRACEPARENT.fullmatch(traceparent)
    if match is None:
        context = trace.get_current_span(parent(traceparent, tracestate)).get_span_context()
        return context if context.is_valid else None
    trace_id, span_id = int(match[1], 16), int(match[2], 16)
    if not trace_id or not span_id:
        return None
    state = TraceState.from_header([tracestate]) if tracestate else None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(int(match[3], 16)), trace_state=state)


def _start(name: str, kind: SpanKind, staged: SpanContext | None, attributes: dict[str, Any]) -> Span:
    """A span, child of `staged` (a new trace when None): lean when the sampler would only follow it."""
    if _lean is not None and staged is not None and staged.trace_flags.sampled:
        return LeanSpan(_lean, name, staged, kind, attributes)
    context = otel_context.Context() if staged is None else trace.set_span_in_context(trace.NonRecordingSpan(staged))
    return tracer().start_span(name, context=context, kind=kind, attributes=attributes)


def _kafka_attributes(operation: str, topic: str, key: bytes | None, message_id: str | None) -> dict[str, Any]:
    """OpenTelemetry messaging semantic conventions (v1.27+: `messaging.operation.type`, which was
    `messaging.operation`). Few on purpose: each attribute costs at the span's start and again when exported."""
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.operation.type": operation,
    }
    if key is not None:
        attributes["messaging.kafka.message.key"] = key.decode("utf-8", "replace")
    if message_id is not None:
        attributes["messaging.message.id"] = message_id
    return attributes


def consumer_span(envelope: "Envelope", record: "ConsumerRecord", *, group: str) -> Span:
    """A CONSUMER span for applying one event, child of the context its record carried (not made current)."""
    attributes = _kafka_attributes("process", record.topic, record.key, str(envelope.id))
    attributes["messaging.consumer.group.name"] = group
    attributes["bancheng.event.type"] = envelope.type
    return _start(f"process {record.topic}", SpanKind.CONSUMER, remote(envelope.traceparent, envelope.tracestate),
                  attributes)


def consuming(envelope: "Envelope", record: "ConsumerRecord | None", *, group: str) -> Any:
    """A context manager applying one event in its CONSUMER span, made current so what the handler stages
    continues the trace; an error is recorded on the span and raised. A no-op when tracing is off."""
    if _tracer is None or record is None:
        return _NOTHING
    if _sampled_out(envelope.traceparent):
        return _within(parent(envelope.traceparent, envelope.tracestate))
    return _current(consumer_span(envelope, record, group=group))


def consumer_spans(fresh: Sequence[tuple["Envelope", "ConsumerRecord"]], *, group: str) -> list[Span]:
    """`consumer_span` for each event of a batch but those of sampled-out traces; [] when tracing is off."""
    if _tracer is None:
        return []
    return [consumer_span(envelope, record, group=group) for envelope, record in fresh
            if not _sampled_out(envelope.traceparent)]


def _sampled_out(traceparent: str | None) -> bool:
    """Whether `traceparent` is a well-formed context whose trace was not sampled, and the sampler follows it."""
    return _follow_unsampled and traceparent is not None and len(traceparent) == 55 and traceparent[53:] in _UNSAMPLED


@contextmanager
def _within(context: otel_context.Context) -> Iterator[None]:
    token = otel_context.attach(context)
    try:
        yield
    finally:
        otel_context.detach(token)


def active_span(
    name: str, *, kind: SpanKind = SpanKind.INTERNAL, parent_of: "Envelope | None" = None,
    attributes: dict[str, Any] | None = None,
) -> Any:
    """A context manager yielding a new span made current: a child of the current span, or with
    `parent_of` (an envelope) of the context that envelope carries. Tracing must be on."""
    if parent_of is not None:
        staged = remote(parent_of.traceparent, parent_of.tracestate)
    else:
        staged = trace.get_current_span().get_span_context()
        staged = staged if staged.is_valid else None
    tracer()  # raises when tracing is off
    return _current(_start(name, kind, staged, dict(attributes or {})))


def resumed(span_context: SpanContext | None) -> Any:
    """A context manager making `span_context` (a span ended before) current again, so events staged in it
    continue its trace; a no-op for None."""
    if span_context is None:
        return _NOTHING
    return trace.use_span(trace.NonRecordingSpan(span_context), end_on_exit=False)


class _current:  # noqa: N801 - used as a function
    """`trace.use_span(span, end_on_exit=True)` without a generator: `span` current while the block runs, an
    `Exception` recorded on it (and raised), ended at the exit."""

    __slots__ = ("span", "token")

    def __init__(self, span: Span) -> None:
        self.span = span

    def __enter__(self) -> Span:
        self.token = otel_context.attach(trace.set_span_in_context(self.span))
        return self.span

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _traceback: Any) -> None:
        span = self.span
        otel_context.detach(self.token)
        if isinstance(error, Exception) and span.is_recording():
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        span.end()


def end_all(spans: Sequence[Span], error: BaseException | None = None) -> None:
    for span in spans:
        if error is not None:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        span.end()


def send_spans(rows: Sequence[tuple[Any, ...]]) -> tuple[list[Span], list[list[tuple[str, bytes]]]]:
    """The relay's spans for one pass, and each row's record headers.

    One PRODUCER span for the pass ("send <topic>", or "send" over several topics), from the first send to
    the last acknowledgement, linked to the context staged with each row of a sampled trace; those records
    keep the staged context, so a consumer continues the span that staged the event (the case's trace goes
    from one service's handling to the next). A row staged without a context (a timer's event) gets a
    PRODUCER span of its own, starting a trace its consumers continue. A row of a sampled-out trace: no
    span, no link. Rows are (id, topic, key, value, headers as [name, text] pairs, staged at), as the relay
    reads them."""
    spans: list[Span] = []
    links: list[Link] = []
    topics: set[str] = set()
    all_headers = []
    for _id, topic, key, _value, headers, _staged_at in rows:
        record_headers = [(name, content.encode()) for name, content in headers]
        all_headers.append(record_headers)
        staged = {name: content for name, content in headers if name in _STAGED_HEADERS}
        traceparent = staged.get("traceparent")
        if _sampled_out(traceparent):
            continue
        context = remote(traceparent, staged.get("tracestate"))
        if context is not None:
            if context.trace_flags.sampled:
                links.append(Link(context))
                topics.add(topic)
            continue
        own = _kafka_attributes("send", topic, key, staged.get("ce_id"))
        span = _start(f"send {topic}", SpanKind.PRODUCER, None, own)
        spans.append(span)
        if span.get_span_context().is_valid:
            traceparent, tracestate = headers_of(span.get_span_context())
            record_headers[:] = [(name, content) for name, content in record_headers
                                 if name not in ("traceparent", "tracestate")]
            record_headers.append(("traceparent", traceparent.encode()))
            if tracestate:
                record_headers.append(("tracestate", tracestate.encode()))
    if links:
        attributes: dict[str, Any] = {"messaging.system": "kafka", "messaging.operation.type": "send",
                                      "messaging.batch.message_count": len(links)}
        (only,) = topics if len(topics) == 1 else (None,)
        if only is not None:
            attributes["messaging.destination.name"] = only
        name = "send" if only is None else f"send {only}"
        if _lean is not None:  # recorded as the records it carries are, not by the sampler's roll for a root
            spans.append(LeanSpan(_lean, name, None, SpanKind.PRODUCER, attributes, links))
        else:
            spans.append(tracer().start_span(name, context=otel_context.Context(), kind=SpanKind.PRODUCER,
                                             attributes=attributes, links=links))
    return spans, all_headers
