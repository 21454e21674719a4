"""The lean span: the relay's and the consumers' spans, started and ended without the SDK's sampler and checks.

Split from `shared.tracing`, which decides when one is used (`_start`): only for a child of a sampled parent,
where a parent-based sampler would record and sample anyway.
"""

import time
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags

_SAMPLED, _SAMPLED_RANDOM = TraceFlags(TraceFlags.SAMPLED), TraceFlags(TraceFlags.SAMPLED | 0x02)


class LeanTracer:
    """Starts the relay's and the consumers' spans (two in three of a case's spans are theirs) as `LeanSpan`s
    when the SDK's own start would only follow a sampled parent: the installed provider's sampler is
    parent-based, whose default for a sampled remote parent is to record and sample."""

    def __init__(self, tracer: SdkTracer, instrumentation: str) -> None:
        self.processor: SpanProcessor = tracer.span_processor
        self.resource = tracer.resource
        self.scope = getattr(tracer, "_instrumentation_scope", None) or InstrumentationScope(instrumentation)
        self.new_span_id = tracer.id_generator.generate_span_id
        self.new_trace_id = tracer.id_generator.generate_trace_id
        self.random_trace_ids = getattr(tracer.id_generator, "is_trace_id_random", lambda: False)()


class LeanSpan(trace.Span, ReadableSpan):
    """A recording span, its own finished form: ended, it goes to the provider's span processors as it is.

    The SDK's `Span` costs several times more to start and end (the sampler, attributes cleaned one by one
    into a locked mapping, a copy at the end); these spans take the attributes they are given, which the
    callers here build from strings. Span processors' `on_start` is not called (the batch and simple
    processors do nothing there)."""

    def __init__(self, lean: LeanTracer, name: str, parent: SpanContext | None, kind: SpanKind,
                 attributes: dict[str, Any], links: Sequence[Link] = ()) -> None:
        if parent is None:  # a new trace, sampled: the caller decided (`send_spans`)
            context = SpanContext(lean.new_trace_id(), lean.new_span_id(), is_remote=False,
                                  trace_flags=_SAMPLED_RANDOM if lean.random_trace_ids else _SAMPLED)
        else:
            context = SpanContext(parent.trace_id, lean.new_span_id(), is_remote=False,
                                  trace_flags=_SAMPLED_RANDOM if parent.trace_flags & 0x02 else _SAMPLED,
                                  trace_state=parent.trace_state)
        # The same mapping and list as the finished span's: typed here for what is added while it runs.
        self._span_context, self._recorded, self._event_list = context, attributes, list[Event]()
        ReadableSpan.__init__(self, name, context, parent, lean.resource, attributes, self._event_list, links, kind,
                              start_time=time.time_ns(), instrumentation_scope=lean.scope)
        self._processor = lean.processor

    def get_span_context(self) -> SpanContext:
        return self._span_context

    def is_recording(self) -> bool:
        return self._end_time is None

    def end(self, end_time: int | None = None) -> None:
        if self._end_time is None:
            self._end_time = end_time or time.time_ns()
            self._processor.on_end(self)

    def set_attribute(self, key: str, value: Any) -> None:
        if self._end_time is None:
            self._recorded[key] = value

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        if self._end_time is None:
            self._recorded.update(attributes)

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None, timestamp: int | None = None) -> None:
        if self._end_time is None:
            self._event_list.append(Event(name, attributes, timestamp))

    def add_link(self, context: SpanContext, attributes: Mapping[str, Any] | None = None) -> None:
        if self._end_time is None:
            self._links = (*self._links, Link(context, attributes))

    def update_name(self, name: str) -> None:
        if self._end_time is None:
            self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        if self._end_time is None and self._status.status_code is not StatusCode.OK:
            self._status = status if isinstance(status, Status) else Status(status, description)

    def record_exception(self, exception: BaseException, attributes: Mapping[str, Any] | None = None,
                         timestamp: int | None = None, escaped: bool = False) -> None:
        """As the SDK's span records it: an `exception` event."""
        kind = type(exception)
        module = kind.__module__
        qualified = kind.__qualname__ if module in (None, "builtins") else f"{module}.{kind.__qualname__}"
        self.add_event("exception", {
            "exception.type": qualified, "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)), "exception.escaped": str(escaped),
            **(attributes or {}),
        }, timestamp)
