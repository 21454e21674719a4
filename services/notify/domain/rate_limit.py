"""Token buckets per channel and address: providers cap how fast we may send to one robot (WeCom and
DingTalk group robots: 20 messages a minute each)."""

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
    """A channel's limit holds for each of its addresses (robots) apart: one department's busy robot
    does not hold up another's. Channels without a configured limit, and deliveries with no address
    (they fail without sending), are not limited."""

    def __init__(self, *, limits: Mapping[ChannelName, RateLimit], clock: Clock = time.monotonic) -> None:
        self._limits = dict(limits)
        self._clock = clock
        self._buckets: dict[tuple[ChannelName, str], TokenBucket] = {}

    def acquire(self, channel: ChannelName, address: str | None) -> float:
        limit = self._limits.get(channel)
        if limit is None or address is None:
            return 0.0
        bucket = self._buckets.get((channel, address))
        if bucket is None:
            bucket = self._buckets[(channel, address)] = TokenBucket(limit=limit, clock=self._clock)
        return bucket.acquire()
