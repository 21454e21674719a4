"""Retries: exponential backoff with full jitter, and what to do after each attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from .results import DeliveryResult, Outcome


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before retry number `attempt` (1 = the first): uniform in [0, min(cap, base·2^(attempt-1))].

    Full jitter spreads the retries of many deliveries that failed together (AWS Architecture Blog,
    "Exponential Backoff And Jitter"); pass a seeded `rng` for reproducible tests.
    """
    if attempt < 1:
        raise ValueError("attempt counts retries from 1")
    ceiling = min(cap, base * 2 ** min(attempt - 1, 62))
    return rng.uniform(0.0, ceiling)


class Verdict(StrEnum):
    done = "done"  # delivered
    retry = "retry"
    dead_letter = "dead_letter"  # permanent failure, or retries exhausted


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    delay: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    max_attempts: int = 6  # the first attempt included
    base: float = 1.0
    cap: float = 300.0

    def decide(self, result: DeliveryResult, *, attempt: int, rng: random.Random) -> Decision:
        """After attempt number `attempt` (1 = the first) ended in `result`, what next."""
        if result.outcome is Outcome.delivered:
            return Decision(Verdict.done)
        if result.outcome is Outcome.permanent:
            return Decision(Verdict.dead_letter, reason=result.reason)
        if attempt >= self.max_attempts:
            return Decision(
                Verdict.dead_letter, reason=f"gave up after {attempt} attempts: {result.reason}"
            )
        delay = backoff_delay(attempt, base=self.base, cap=self.cap, rng=rng)
        # A provider's Retry-After is a floor: retrying sooner only earns another refusal.
        delay = max(delay, min(result.retry_after or 0.0, self.cap))
        return Decision(Verdict.retry, delay=delay, reason=result.reason)
