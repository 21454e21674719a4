"""Per-channel token buckets: providers cap how fast we may send (e.g. a robot's 20 messages/minute)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .model import ChannelName

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    per_second: float
    burst: int


class TokenBucket:
    def __init__(self, *, limit: RateLimit, clock: Clock = time.monotonic) -> None:
        if limit.per_second <= 0 or limit.burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self._limit = limit
        self._clock = clock
        self._tokens = float(limit.burst)
        self._updated = clock()

    def acquire(self) -> float:
        """Take a token and return 0.0, or take nothing and return the seconds until one is free."""
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(float(self._limit.burst), self._tokens + elapsed * self._limit.per_second)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self._limit.per_second


class ChannelRateLimiter:
    """One bucket per channel; channels without a configured limit are not limited."""

    def __init__(self, *, limits: Mapping[ChannelName, RateLimit], clock: Clock = time.monotonic) -> None:
        self._buckets = {channel: TokenBucket(limit=limit, clock=clock) for channel, limit in limits.items()}

    def acquire(self, channel: ChannelName) -> float:
        bucket = self._buckets.get(channel)
        return bucket.acquire() if bucket else 0.0
