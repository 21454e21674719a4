"""What WeCom and DingTalk group robots share: size limits and their JSON error codes."""

from __future__ import annotations

from .base import DeliveryFailed
from .http import Reply, response_json


def truncate_utf8(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut on a character boundary, marked with an ellipsis when cut."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"


def check_errcode(response: Reply, *, retryable_codes: frozenset[int]) -> None:
    """Robots answer HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`; any other errcode is a failure."""
    body = response_json(response)
    code = body.get("errcode")
    if code == 0:
        return
    reason = f"robot errcode {code}: {body.get('errmsg', '')}"
    if code in retryable_codes:
        raise DeliveryFailed.retryable(reason, status_code=response.status_code)
    raise DeliveryFailed.permanent(reason, status_code=response.status_code)
