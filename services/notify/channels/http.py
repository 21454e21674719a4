"""HTTP posting shared by the HTTP channels, over one keep-alive pool, with provider errors classified.

aiohttp rather than httpx: with its C response parser a POST to a local sink costs about a tenth of
httpx's CPU (httpcore's pool bookkeeping was a third of notify's CPU per notification, issue #6).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from .base import DeliveryFailed

_RETRYABLE_4XX = frozenset({408, 425, 429})
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def json_bytes(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed are the bytes that are sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Reply:
    """A provider's 2xx answer, read whole (the connection is back in the pool already)."""

    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpClient:
    """One aiohttp session for every HTTP channel, opened on the first send (it needs the running loop).

    `trust_env` stays off: on, aiohttp reads the proxy variables and ~/.netrc on every request, which
    tripled its CPU per send; notify sends to providers directly.
    """

    def __init__(self, *, connections: int = 100) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

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
            async with self._open().post(
                url,
                data=content,
                headers={**_JSON, **(headers or {})},
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,  # a redirected POST turns into a GET elsewhere: a 3xx is a failure
            ) as response:
                reply = Reply(response.status, await response.read())
                retry_after = response.headers.get("Retry-After", "")
        except TimeoutError as error:
            raise DeliveryFailed.retryable(f"timeout ({type(error).__name__})") from error
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as error:
            raise DeliveryFailed.permanent(f"unusable URL: {error}") from error
        except aiohttp.ClientError as error:
            raise DeliveryFailed.retryable(f"connection error ({type(error).__name__}): {error}") from error
        status = reply.status_code
        if 200 <= status < 300:
            return reply
        detail = f"HTTP {status}: {reply.text[:200]}".rstrip(": ")
        if status >= 500 or status in _RETRYABLE_4XX:
            raise DeliveryFailed.retryable(detail, status_code=status, retry_after=_seconds(retry_after))
        raise DeliveryFailed.permanent(detail, status_code=status)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        return self._session


def response_json(reply: Reply) -> dict[str, Any]:
    """The provider's JSON reply; an unreadable one after a 2xx is permanent (resending could duplicate)."""
    try:
        body = json.loads(reply.body)
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
