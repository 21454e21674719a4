"""A circuit breaker per provider: stop hammering one that keeps failing, probe it now and then."""

from __future__ import annotations

import time
from enum import StrEnum

from .rate_limit import Clock


class BreakerState(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures; after `reset_timeout` seconds lets
    `half_open_calls` trial calls through; a trial success closes it, a trial failure reopens it.

    Count only retryable failures: a 4xx caused by one bad address says nothing of the provider.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        half_open_calls: int = 1,
        clock: Clock = time.monotonic,
    ) -> None:
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._half_open_calls = half_open_calls
        self._clock = clock
        self._state = BreakerState.closed
        self._failures = 0
        self._opened_at = 0.0
        self._trials = 0

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.open and self._clock() - self._opened_at >= self._reset_timeout:
            self._state = BreakerState.half_open
            self._trials = 0
        return self._state

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a trial through (0.0 when not open)."""
        if self.state is not BreakerState.open:
            return 0.0
        return self._reset_timeout - (self._clock() - self._opened_at)

    def allow(self) -> bool:
        """Whether a call may go to the provider now; in half-open this reserves a trial slot."""
        state = self.state
        if state is BreakerState.closed:
            return True
        if state is BreakerState.half_open and self._trials < self._half_open_calls:
            self._trials += 1
            return True
        return False

    def record_success(self) -> None:
        self._state = BreakerState.closed
        self._failures = 0

    def record_failure(self) -> None:
        if self.state is BreakerState.half_open:
            self._open()
            return
        self._failures += 1
        if self._failures >= self._threshold:
            self._open()

    def _open(self) -> None:
        self._state = BreakerState.open
        self._opened_at = self._clock()
        self._failures = 0
