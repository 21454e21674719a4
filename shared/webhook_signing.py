"""Bancheng's webhook signature, both ways (12345 in, webhooks and 12345 status out).

A hex HMAC-SHA256 over `timestamp + "." + raw body`.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Bancheng-Timestamp"
DELIVERY_HEADER = "X-Bancheng-Delivery"
SIGNATURE_HEADER = "X-Bancheng-Signature"


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, delivery_id: str, body: bytes, now: float) -> dict[str, str]:
    """Headers for one request; `now` is Unix seconds, sent as an integer string."""
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }


def verify(
    *, secret: str, timestamp: str, body: bytes, received: str, now: float, tolerance: float = 300.0
) -> bool:
    """What a receiver checks: a fresh timestamp (replay window) and a matching signature."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return age <= tolerance and hmac.compare_digest(expected, received)
