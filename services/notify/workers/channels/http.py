"""HTTP posting shared by the HTTP channels, over keep-alive connections (connections.py), provider
errors classified."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httptools
import orjson
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared import tracing

from .base import DeliveryFailed
from .connections import ConnectionPool, Response, Target, target

_RETRYABLE_4XX = frozenset({408, 425, 429})
_AGENT = "User-Agent: bancheng-notify\r\nAccept: */*\r\n"
_JSON_TYPE = "Content-Type: application/json; charset=utf-8\r\n"  # unless the caller names its own


def json_bytes(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed are the bytes that are sent."""
    return orjson.dumps(payload)


@dataclass(frozen=True, slots=True)
class Reply:
    """A provider's 2xx answer, read whole (the connection is back in the pool already)."""

    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpClient:
    """One pool of keep-alive connections for every HTTP channel, made on the first send (in the running loop).

    Proxy variables and ~/.netrc are not read: notify sends to providers directly."""

    def __init__(self, *, connections: int = 100) -> None:
        self._connections = connections
        self._pool: ConnectionPool | None = None

    async def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> Reply:
        """POST and return a 2xx reply; anything else raises DeliveryFailed, classified."""
        try:
            where = target(url)
        except ValueError as error:
            raise DeliveryFailed.permanent(f"unusable URL: {error}") from error
        if not tracing.enabled():
            return _classified(await self._exchange(where, _request(where.path, where.host_header, content,
                                                                    headers or {}), timeout))
        # A CLIENT span, its context sent as `traceparent`; the URL itself is not recorded (a robot's key
        # may be in its query).
        origin = where.origin
        with tracing.active_span("POST", kind=SpanKind.CLIENT, attributes={
            "http.request.method": "POST", "server.address": origin.host, "server.port": origin.port,
            "url.scheme": origin.scheme,
        }) as span:
            traceparent, tracestate = tracing.headers_of(span.get_span_context())
            traced = {**(headers or {}), "traceparent": traceparent}
            if tracestate:
                traced["tracestate"] = tracestate
            response = await self._exchange(where, _request(where.path, where.host_header, content, traced), timeout)
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 400:
                span.set_status(Status(StatusCode.ERROR))
            return _classified(response)

    async def _exchange(self, where: Target, request: bytes, timeout: float) -> Response:
        if self._pool is None:
            self._pool = ConnectionPool(limit=self._connections)
        try:
            async with asyncio.timeout(timeout):  # the whole request: a free slot, connecting, the reply
                return await self._pool.exchange(where, request)
        except TimeoutError as error:
            raise DeliveryFailed.retryable(f"timeout ({type(error).__name__})") from error
        except (OSError, httptools.HttpParserError) as error:
            raise DeliveryFailed.retryable(f"connection error ({type(error).__name__}): {error}") from error

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _classified(response: Response) -> Reply:
    """A 2xx reply; anything else raises DeliveryFailed, retryable or permanent."""
    status = response.status
    reply = Reply(status, response.body)
    if 200 <= status < 300:
        return reply
    detail = f"HTTP {status}: {reply.text[:200]}".rstrip(": ")
    if status >= 500 or status in _RETRYABLE_4XX:
        raise DeliveryFailed.retryable(detail, status_code=status, retry_after=_seconds(response.retry_after))
    raise DeliveryFailed.permanent(detail, status_code=status)


def _request(path: str, host: str, content: bytes, headers: Mapping[str, str]) -> bytes:
    """The request's bytes: head and body in one write. A header with a line break (a header of its own
    smuggled in) is refused."""
    lines = [f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(content)}\r\n", _AGENT]
    if not any(name.lower() == "content-type" for name in headers):
        lines.append(_JSON_TYPE)
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n\0") or ":" in name:
            raise DeliveryFailed.permanent("a header's name or value carries a line break (or its name a colon)")
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode() + content


def response_json(reply: Reply) -> dict[str, Any]:
    """The provider's JSON reply; an unreadable one after a 2xx is permanent (resending could duplicate)."""
    try:
        body = orjson.loads(reply.body)
    except ValueError as error:
        raise DeliveryFailed.permanent(
            f"unreadable provider response: {reply.text[:200]}", status_code=reply.status_code
        ) from error
    if not isinstance(body, dict):
        raise DeliveryFailed.permanent("provider response is not a JSON object", status_code=reply.status_code)
    return body


def _seconds(retry_after: str) -> float | None:
    try:
        return max(float(retry_after), 0.0)
    except ValueError:
        return None  # an HTTP-date, or absent: let the backoff decide
