"""An OTLP/HTTP trace receiver for tests and benchmarks: what a collector would be sent, kept in memory.

It accepts `POST /v1/traces` with a protobuf `ExportTraceServiceRequest` (gzip or not), as the services'
OTLP exporter sends it (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf), and decodes it with opentelemetry-proto.
In a test: `with OtlpReceiver() as receiver:` and point OTEL_EXPORTER_OTLP_ENDPOINT at `receiver.endpoint`.
As a process (`python -m tests.otlp_receiver --port N`, a benchmark's collector stand-in) it only counts,
and answers `GET /count` with the spans and traces received so far.
"""

import argparse
import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from shared.dev.broker import free_port

KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


@dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a root span
    name: str
    kind: str
    service: str
    attributes: dict[str, Any]
    links: tuple[tuple[str, str], ...]  # (trace id, span id) of each link


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    return getattr(value, which) if which in ("string_value", "bool_value", "int_value", "double_value") else str(value)


def decode(body: bytes) -> list[ReceivedSpan]:
    request = ExportTraceServiceRequest.FromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        kind=KINDS.get(span.kind, str(span.kind)),
                        service=str(resource.get("service.name")),
                        attributes={a.key: _value(a.value) for a in span.attributes},
                        links=tuple((link.trace_id.hex(), link.span_id.hex()) for link in span.links),
                    )
                )
    return spans


def count(body: bytes) -> tuple[int, set[bytes]]:
    request = ExportTraceServiceRequest.FromString(body)
    spans = [span for rs in request.resource_spans for ss in rs.scope_spans for span in ss.spans]
    return len(spans), {span.trace_id for span in spans}


@dataclass
class OtlpReceiver:
    """The receiver on a free port of 127.0.0.1; `keep=False` counts spans without keeping them."""

    keep: bool = True
    port: int = field(default_factory=free_port)
    spans: list[ReceivedSpan] = field(default_factory=list)
    span_count: int = 0
    trace_ids: set[bytes] = field(default_factory=set)
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        """For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "OtlpReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                try:
                    receiver.add(body)
                except Exception as error:  # noqa: BLE001 - a bad export is answered 400, as a collector does
                    self.send_error(400, str(error))
                    return
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def do_GET(self) -> None:
                if self.path != "/count":
                    self.send_error(404)
                    return
                with receiver._lock:
                    reply = json.dumps({"spans": receiver.span_count, "traces": len(receiver.trace_ids),
                                        "requests": receiver.requests}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True).start()
        return self

    def add(self, body: bytes) -> None:
        if self.keep:
            spans = decode(body)
            with self._lock:
                self.spans += spans
                self.span_count += len(spans)
                self.trace_ids |= {bytes.fromhex(span.trace_id) for span in spans}
                self.requests += 1
        else:
            number, trace_ids = count(body)
            with self._lock:
                self.span_count += number
                self.trace_ids |= trace_ids
                self.requests += 1

    def received(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self.spans)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "OtlpReceiver":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Count OTLP/HTTP spans sent to 127.0.0.1:PORT/v1/traces")
    parser.add_argument("--port", type=int, required=True)
    receiver = OtlpReceiver(keep=False, port=parser.parse_args().port).start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
