"""HTTP request metrics for every service: a count by route template, method and status class, and a
latency histogram, the inputs of the registration SLO (deploy/prometheus/alerts.yml).

A plain ASGI middleware (no `BaseHTTPMiddleware`, which runs each request through an extra task): it reads
the matched route's template from the scope after the app has answered, so `/cases/{case_id}` is one
series, never one per case; a path no route matched is counted as `unmatched`.
"""

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "bancheng_http_requests_total",
    "HTTP requests answered, by route template, method and status class (2xx, 4xx, 5xx)",
    ["service", "route", "method", "status_class"],
)
DURATION = Histogram(
    "bancheng_http_request_duration_seconds",
    "From a request's arrival to its response's first byte, by route template",
    ["service", "route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UNMATCHED = "unmatched"


class HttpMetrics:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def send_noting_status(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                _observe(self.service, scope, message["status"], time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except BaseException:
            if not answered:  # the server answers 500 for an exception raised before the response
                _observe(self.service, scope, 500, time.perf_counter() - started)
            raise


def _observe(service: str, scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", None) or UNMATCHED
    method = scope["method"]
    REQUESTS.labels(service, route, method, f"{status // 100}xx").inc()
    DURATION.labels(service, route, method).observe(seconds)
