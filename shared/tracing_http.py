"""HTTP server spans: an ASGI middleware making one SERVER span per request, installed only when tracing is on.

One span a request, named by its route template (`POST /cases`, `GET /cases/{case_id}`), continuing the
caller's W3C `traceparent`. The OpenTelemetry ASGI instrumentation does this too, with two more spans
per request (its send and receive spans) and more attribute work; this is the part the services need.
Probes and scrapes (`/healthz`, `/readyz`, `/metrics`) are not traced.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared import tracing

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class ServerSpans:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS or not tracing.enabled():
            await self.app(scope, receive, send)
            return
        traceparent = tracestate = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                traceparent = value.decode("latin-1")
            elif name == b"tracestate":
                tracestate = value.decode("latin-1")
        method = scope["method"]
        span = tracing.tracer().start_span(
            method, context=tracing.parent(traceparent, tracestate), kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"],
                        "url.scheme": scope.get("scheme", "http")},
        )

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            await send(message)

        try:
            with trace.use_span(span, record_exception=True, set_status_on_exception=True):
                await self.app(scope, receive, send_noting_status)
        finally:
            route = getattr(scope.get("route"), "path", None)
            if route:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
            span.end()
