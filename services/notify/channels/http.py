"""HTTP posting shared by the HTTP channels, with provider errors classified."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from .base import DeliveryFailed

_RETRYABLE_4XX = frozenset({408, 425, 429})


def json_bytes(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed are the bytes that are sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def post(
    client: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> httpx.Response:
    """POST and return a 2xx response; anything else raises DeliveryFailed, classified."""
    try:
        response = await client.post(
            url,
            content=content,
            headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
            timeout=timeout,
        )
    except httpx.TimeoutException as error:
        raise DeliveryFailed.retryable(f"timeout ({type(error).__name__})") from error
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise DeliveryFailed.permanent(f"unusable URL: {error}") from error
    except httpx.TransportError as error:
        raise DeliveryFailed.retryable(f"connection error ({type(error).__name__}): {error}") from error
    status = response.status_code
    if 200 <= status < 300:
        return response
    detail = f"HTTP {status}: {response.text[:200]}".rstrip(": ")
    if status >= 500 or status in _RETRYABLE_4XX:
        raise DeliveryFailed.retryable(detail, status_code=status, retry_after=_retry_after(response))
    raise DeliveryFailed.permanent(detail, status_code=status)


def response_json(response: httpx.Response) -> dict[str, Any]:
    """The provider's JSON reply; an unreadable one after a 2xx is permanent (resending could duplicate)."""
    try:
        body = response.json()
    except ValueError as error:
        raise DeliveryFailed.permanent(
            f"unreadable provider response: {response.text[:200]}", status_code=response.status_code
        ) from error
    if not isinstance(body, dict):
        raise DeliveryFailed.permanent(
            "provider response is not a JSON object", status_code=response.status_code
        )
    return body


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None  # an HTTP-date, or absent: let the backoff decide
