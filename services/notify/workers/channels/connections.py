"""HTTP/1.1 connections for the HTTP channels: one request at a time on each, kept alive per origin.

What the channels need and no more: POST a body, read the whole reply, reuse the connection, https with
the system's certificate check. No redirects (the caller treats a 3xx as a failure), proxies, cookies or
compression. Replies are parsed by httptools (llhttp, as uvicorn parses requests).

Why not aiohttp: its `ClientSession` does far more per POST than the channels need (URL objects, header
multidicts, cookie jar, tracing hooks, timers per request), and at high notification rates that work
was a large share of notify's CPU (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import httptools

# An idle connection is closed rather than reused after this long: servers drop idle connections (nginx
# after 75 s, Node after 5 s), and a request written just as the server closes is lost in flight.
KEEP_IDLE_S = 4.0
_PATH_SAFE = "/%:@!$&'()*+,;="  # RFC 3986 pchar and "/": kept; anything else (spaces, non-ASCII) is %-encoded
_QUERY_SAFE = _PATH_SAFE + "?"


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL's request goes: its origin, its Host header and its request target (path and query)."""

    origin: Origin
    host_header: str
    path: str


@lru_cache(maxsize=4096)
def target(url: str) -> Target:
    """The request target of `url`; ValueError when it cannot be requested (never echoing the URL, which
    may carry a robot's key)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"scheme {parts.scheme or 'missing'!r}, host {parts.hostname or 'missing'!r}")
    if parts.username is not None:
        raise ValueError("credentials in the URL are not sent (a gateway's token goes in its headers)")
    default = 443 if parts.scheme == "https" else 80
    port = parts.port or default  # ValueError for a port that is not a number in range
    host = parts.hostname.encode("idna").decode("ascii")
    host_header = f"[{host}]" if ":" in host else host
    if port != default:
        host_header += f":{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return Target(Origin(parts.scheme, host, port), host_header, path)


class Response(NamedTuple):
    status: int
    body: bytes
    retry_after: str  # the Retry-After header, "" when absent


class ReplyCutShort(ConnectionError):
    """The connection closed before the whole reply arrived."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection: a request is written whole, its reply resolves `_reply`."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._reply: asyncio.Future[Response] | None = None
        self._body: list[bytes] = []
        self._retry_after = ""
        self._framed = False  # the reply says its length (Content-Length or chunked); else it ends at close
        self._headers_done = False
        self.open = True
        self.reusable = False
        self.idle_since = 0.0

    async def exchange(self, request: bytes) -> Response:
        if self._transport is None or self._transport.is_closing():
            raise ReplyCutShort("connection closed before the request was written")
        self._reply = asyncio.get_running_loop().create_future()
        self.reusable = False
        self._transport.write(request)
        try:
            return await self._reply
        finally:
            self._reply = None

    def close(self) -> None:
        self.open = False
        if self._transport is not None:
            self._transport.close()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # a stream protocol is given a Transport

    def data_received(self, data: bytes) -> None:
        if self._reply is None:  # nothing asked: a server that speaks out of turn is not reused
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._settle(error)
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self._headers_done and not self._framed:  # the reply's body ran until the close: it is whole
            self._settle(Response(self._parser.get_status_code(), b"".join(self._body), self._retry_after))
        else:
            self._settle(ReplyCutShort(f"connection closed before the reply ended ({exc or 'by the server'})"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._body, self._retry_after, self._framed, self._headers_done = [], "", False, False

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"retry-after":
            self._retry_after = value.decode("latin-1")
        elif name in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headers_done = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:
            return  # an interim reply (100 Continue): the final one follows
        self._headers_done = False
        self.reusable = self._parser.should_keep_alive()
        self._settle(Response(status, b"".join(self._body), self._retry_after))

    def _settle(self, outcome: Response | Exception) -> None:
        reply = self._reply
        if reply is None or reply.done():
            return
        if isinstance(outcome, Exception):
            reply.set_exception(outcome)
        else:
            reply.set_result(outcome)


class ConnectionPool:
    """At most `limit` requests in flight in all, each on a connection of its own; idle connections kept per
    origin (no more than `limit` of them), the most recently used taken first."""

    def __init__(self, *, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._limit = limit
        self._idle: dict[Origin, list[_Connection]] = {}
        self._idle_count = 0
        self._tls: ssl.SSLContext | None = None
        self._closed = False

    async def exchange(self, target: Target, request: bytes) -> Response:
        async with self._slots:
            connection = self._take_idle(target.origin) or await self._connect(target.origin)
            try:
                response = await connection.exchange(request)
            except BaseException:  # a timeout or cancellation mid-reply: the connection is in an unknown state
                connection.close()
                raise
            self._put_idle(target.origin, connection)
            return response

    def close(self) -> None:
        """Close the idle connections; those in flight close when their reply is in."""
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
        self._idle_count = 0

    def _take_idle(self, origin: Origin) -> _Connection | None:
        connections = self._idle.get(origin)
        now = time.monotonic()
        while connections:
            connection = connections.pop()
            self._idle_count -= 1
            if connection.open and now - connection.idle_since < KEEP_IDLE_S:
                return connection
            connection.close()
        return None

    def _put_idle(self, origin: Origin, connection: _Connection) -> None:
        if not (connection.reusable and connection.open) or self._closed or self._idle_count >= self._limit:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        self._idle.setdefault(origin, []).append(connection)
        self._idle_count += 1

    async def _connect(self, origin: Origin) -> _Connection:
        tls = self._tls_context() if origin.scheme == "https" else None
        _transport, connection = await asyncio.get_running_loop().create_connection(
            _Connection, origin.host, origin.port, ssl=tls, server_hostname=origin.host if tls else None
        )
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()  # certificates and host names checked
        return self._tls
