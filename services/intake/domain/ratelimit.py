"""Sliding-window counters for the citizen's status lookup, kept in the process's memory.

Two limits: requests per client address per minute (guessing many numbers), and wrong answers per
case number (guessing one phone's last four digits: 10,000 tries would otherwise find it). One
intake process serves a database, so memory is the right place; behind several replicas each
keeps its own counts, which the gateway's own limit should then back.
"""

import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    def __init__(self, *, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            return deque()
        cutoff = self._clock() - self.window_s
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if not hits:
            del self._hits[key]  # memory stays bounded by the keys active within one window
        return hits

    def exhausted(self, key: str) -> bool:
        return len(self._recent(key)) >= self.limit

    def record(self, key: str) -> None:
        self._recent(key)
        self._hits.setdefault(key, deque()).append(self._clock())

    def retry_after_s(self, key: str) -> int:
        hits = self._recent(key)
        return max(1, int(hits[0] + self.window_s - self._clock()) + 1) if hits else 1
