"""Finished spans as an OTLP `ExportTraceServiceRequest`, protobuf bytes written directly.

The same bytes as the OTLP exporter's own encoder (`encode_spans(...).SerializePartialToString()`, fields
in number order; tests/unit/shared/test_otlp_encoding.py compares them), without a protobuf message per
span, attribute and value. An attribute that recurs (the topic, the group, `messaging.system=kafka`) is
encoded once and reused. Schema: opentelemetry-proto's trace.proto and common.proto.
"""

import logging
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import SpanContext

_logger = logging.getLogger(__name__)

_CACHED_ATTRIBUTES = 4096  # distinct recurring (key, value) pairs kept; the cache starts over past this
_HAS_IS_REMOTE, _IS_REMOTE = 0x100, 0x200  # SpanFlags: whether the parent was remote is known, and is
_fixed64 = struct.Struct("<Q").pack
_double = struct.Struct("<d").pack
_fixed32 = struct.Struct("<I").pack
_FLAGS_LOCAL = b"\x85\x01" + _fixed32(_HAS_IS_REMOTE)  # Span.flags, field 16, fixed32
_FLAGS_REMOTE = b"\x85\x01" + _fixed32(_HAS_IS_REMOTE | _IS_REMOTE)
_UNSET_STATUS = b"\x7a\x00"  # the exporter always writes a status, an empty one when unset


def _varint(value: int) -> bytes:
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field: its tag byte(s), the payload's length, the payload."""
    return tag + _varint(len(payload)) + payload


def _any_value(value: Any) -> bytes:
    """An AnyValue's payload, as the exporter's `_encode_value` maps Python values."""
    if isinstance(value, str):
        return _field(b"\x0a", value.encode())
    if isinstance(value, bool):
        return b"\x10\x01" if value else b"\x10\x00"
    if isinstance(value, int):
        return b"\x18" + _varint(value & 0xFFFFFFFFFFFFFFFF)  # int64: a negative one in ten bytes
    if isinstance(value, float):
        return b"\x21" + _double(value)
    if isinstance(value, bytes):
        return _field(b"\x3a", value)
    if value is None:
        return b""
    if isinstance(value, Mapping):
        return _field(b"\x32", b"".join(_field(b"\x0a", _key_value(str(k), v)) for k, v in value.items()))
    if isinstance(value, Sequence):
        return _field(b"\x2a", b"".join(_field(b"\x0a", _any_value(v)) for v in value))
    raise TypeError(f"an attribute value of type {type(value).__name__} has no OTLP form")


def _key_value(key: str, value: Any) -> bytes:
    return _field(b"\x0a", key.encode()) + _field(b"\x12", _any_value(value))


class SpanEncoder:
    """Encodes batches of finished spans; keeps the encoded form of recurring attributes (one per exporter)."""

    def __init__(self) -> None:
        self._attributes: dict[tuple[bytes, str, Any], bytes] = {}
        self._headers: dict[int, tuple[object, bytes]] = {}  # id(resource or scope) -> (it, its encoding)

    def request(self, spans: Sequence[ReadableSpan]) -> bytes:
        """The request's bytes: spans grouped by resource, then by instrumentation scope, in arrival order."""
        groups: dict[int, tuple[Any, dict[int, tuple[Any, list[bytes]]]]] = {}
        for span in spans:
            resource, scope = span.resource, span.instrumentation_scope or None
            scopes = groups.setdefault(id(resource), (resource, {}))[1]
            scopes.setdefault(id(scope), (scope, []))[1].append(_field(b"\x12", self.span(span)))
        out = []
        for resource, scopes in groups.values():
            body = [_field(b"\x0a", self._resource(resource))]
            for scope, encoded in scopes.values():
                scope_spans = [_field(b"\x0a", self._scope(scope)), *encoded]
                if scope is not None and scope.schema_url:
                    scope_spans.append(_field(b"\x1a", scope.schema_url.encode()))
                body.append(_field(b"\x12", b"".join(scope_spans)))
            if resource.schema_url:
                body.append(_field(b"\x1a", resource.schema_url.encode()))
            out.append(_field(b"\x0a", b"".join(body)))
        return b"".join(out)

    def span(self, span: ReadableSpan) -> bytes:
        """One Span message's payload."""
        context: SpanContext = span.context
        parent = span.parent
        out = [b"\x0a\x10", context.trace_id.to_bytes(16, "big"), b"\x12\x08", context.span_id.to_bytes(8, "big")]
        if context.trace_state:
            out.append(_field(b"\x1a", ",".join(f"{k}={v}" for k, v in context.trace_state.items()).encode()))
        if parent is not None:
            out += (b"\x22\x08", parent.span_id.to_bytes(8, "big"))
        out += (_field(b"\x2a", span.name.encode()), b"\x30", _varint(span.kind.value + 1),
                b"\x39", _fixed64(span.start_time), b"\x41", _fixed64(span.end_time))
        if span.attributes:
            out += self._attribute_fields(b"\x4a", span.attributes)
        if span.dropped_attributes:
            out += (b"\x50", _varint(span.dropped_attributes))
        for event in span.events:
            payload = [b"\x09", _fixed64(event.timestamp), _field(b"\x12", event.name.encode())]
            if event.attributes:
                payload += self._attribute_fields(b"\x1a", event.attributes)
            if event.dropped_attributes:
                payload += (b"\x20", _varint(event.dropped_attributes))
            out.append(_field(b"\x5a", b"".join(payload)))
        if span.dropped_events:
            out += (b"\x60", _varint(span.dropped_events))
        for link in span.links:
            payload = [b"\x0a\x10", link.context.trace_id.to_bytes(16, "big"),
                       b"\x12\x08", link.context.span_id.to_bytes(8, "big")]
            if link.attributes:
                payload += self._attribute_fields(b"\x22", link.attributes)
            if link.dropped_attributes:
                payload += (b"\x28", _varint(link.dropped_attributes))
            payload += (b"\x35", _fixed32(_HAS_IS_REMOTE | (_IS_REMOTE if link.context.is_remote else 0)))
            out.append(_field(b"\x6a", b"".join(payload)))
        if span.dropped_links:
            out += (b"\x70", _varint(span.dropped_links))
        status = span.status
        if status.description or status.status_code.value:
            described = _field(b"\x12", status.description.encode()) if status.description else b""
            code = b"\x18" + _varint(status.status_code.value) if status.status_code.value else b""
            out.append(_field(b"\x7a", described + code))
        else:
            out.append(_UNSET_STATUS)
        out.append(_FLAGS_REMOTE if parent is not None and parent.is_remote else _FLAGS_LOCAL)
        return b"".join(out)

    def _attribute_fields(self, tag: bytes, attributes: Mapping[str, Any]) -> list[bytes]:
        """Each attribute as a KeyValue field of `tag`; a string-valued one encoded once per tag and value."""
        cache = self._attributes
        fields = []
        for key, value in attributes.items():
            try:
                encoded = cache[tag, key, value]
            except KeyError:
                encoded = _field(tag, _key_value(key, value))
                if type(value) is str:  # not True, which would share a key with 1
                    if len(cache) >= _CACHED_ATTRIBUTES:
                        cache.clear()
                    cache[tag, key, value] = encoded
            except TypeError:  # an unhashable value (a list): not kept
                encoded = _field(tag, _key_value(key, value))
            fields.append(encoded)
        return fields

    def _resource(self, resource: Any) -> bytes:
        return self._header(resource, lambda: b"".join(
            _field(b"\x0a", _key_value(key, value)) for key, value in resource.attributes.items()))

    def _scope(self, scope: Any) -> bytes:
        if scope is None:
            return b""
        return self._header(scope, lambda: b"".join((
            _field(b"\x0a", scope.name.encode()) if scope.name else b"",
            _field(b"\x12", scope.version.encode()) if scope.version else b"",
            *(_field(b"\x1a", _key_value(key, value)) for key, value in (scope.attributes or {}).items()),
        )))

    def _header(self, it: object, encode: Any) -> bytes:
        """The encoding of a resource or scope, kept while that very object is (a process has one or two)."""
        kept = self._headers.get(id(it))
        if kept is None or kept[0] is not it:
            kept = self._headers[id(it)] = (it, encode())
        return kept[1]


class OtlpHttpSpanExporter(OTLPSpanExporter):
    """The OTLP/HTTP protobuf exporter (endpoint, headers, timeout, compression, retries: all its own, from
    the OTEL_EXPORTER_OTLP_* settings), sending `SpanEncoder`'s bytes. Where the installed exporter has no
    HTTP client to hand the bytes to (`_client`, opentelemetry-exporter-otlp-proto-http 1.40+), it encodes
    as it would itself."""

    def __init__(self) -> None:
        super().__init__()
        self._encoder = SpanEncoder()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        client = getattr(self, "_client", None)
        if client is None or self._shutdown:
            return super().export(spans)
        try:
            data = self._encoder.request(spans)
        except Exception as error:  # noqa: BLE001 - a span the encoder cannot write: the batch is lost, said once
            _logger.error("Failed to encode span batch: %s", error)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS if client.export(data).success else SpanExportResult.FAILURE
