import random

import pytest

from services.notify.domain.circuit_breaker import BreakerState, CircuitBreaker
from services.notify.domain.model import ChannelName
from services.notify.domain.rate_limit import ChannelRateLimiter, RateLimit, TokenBucket
from services.notify.domain.results import DeliveryResult
from services.notify.domain.retry import RetryPolicy, Verdict, backoff_delay


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def failed(*, retryable: bool = True, retry_after: float | None = None) -> DeliveryResult:
    make = DeliveryResult.retryable if retryable else DeliveryResult.permanent
    return make(delivery_id="d", channel=ChannelName.sms, reason="HTTP 503", retry_after=retry_after)


def test_backoff_stays_under_an_exponential_ceiling_capped():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (10, 60.0), (200, 60.0)]:
        delays = [backoff_delay(attempt, base=2.0, cap=60.0, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spans the whole range


def test_backoff_is_reproducible_with_a_seed():
    first = [backoff_delay(a, base=1.0, cap=30.0, rng=random.Random(42)) for a in range(1, 6)]
    again = [backoff_delay(a, base=1.0, cap=30.0, rng=random.Random(42)) for a in range(1, 6)]
    assert first == again


def test_retryable_failure_is_retried_until_the_last_attempt_then_dead_lettered():
    policy = RetryPolicy(max_attempts=4, base=1.0, cap=10.0)
    rng = random.Random(1)
    verdicts = [policy.decide(failed(), attempt=n, rng=rng).verdict for n in range(1, 5)]
    assert verdicts == [Verdict.retry, Verdict.retry, Verdict.retry, Verdict.dead_letter]
    assert policy.decide(failed(), attempt=4, rng=rng).reason == "gave up after 4 attempts: HTTP 503"


def test_permanent_failure_goes_straight_to_dead_letter_with_its_reason():
    decision = RetryPolicy().decide(failed(retryable=False), attempt=1, rng=random.Random(1))
    assert (decision.verdict, decision.reason) == (Verdict.dead_letter, "HTTP 503")


def test_providers_retry_after_is_a_floor_for_the_delay():
    decision = RetryPolicy(base=0.01, cap=100.0).decide(failed(retry_after=30.0), attempt=1, rng=random.Random(1))
    assert decision.delay == 30.0


def test_token_bucket_allows_a_burst_then_paces_to_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(limit=RateLimit(per_second=2.0, burst=3), clock=clock)
    assert [bucket.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire() == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(0.5)


def test_a_channels_rate_limit_holds_for_each_robot_apart():
    clock = FakeClock()
    limiter = ChannelRateLimiter(limits={ChannelName.wecom: RateLimit(per_second=1 / 3, burst=1)}, clock=clock)
    assert limiter.acquire(ChannelName.wecom, "https://robot/a") == 0.0
    assert limiter.acquire(ChannelName.wecom, "https://robot/a") == pytest.approx(3.0)
    assert limiter.acquire(ChannelName.wecom, "https://robot/b") == 0.0  # another department's robot
    assert all(limiter.acquire(ChannelName.wecom, None) == 0.0 for _ in range(100))  # nothing is sent
    assert all(limiter.acquire(ChannelName.email, "a@example.cn") == 0.0 for _ in range(100))


def test_breaker_opens_after_consecutive_failures_and_refuses_calls():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=30.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success in between resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.open
    assert not breaker.allow()
    clock.now += 10
    assert breaker.retry_in() == pytest.approx(20.0)


def test_breaker_half_open_lets_one_trial_through_and_closes_on_success():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=30.0, clock=clock)
    breaker.record_failure()
    clock.now += 30
    assert breaker.state is BreakerState.half_open
    assert breaker.allow()
    assert not breaker.allow()  # one trial at a time
    breaker.record_success()
    assert breaker.state is BreakerState.closed and breaker.allow()


def test_breaker_half_open_trial_failure_reopens_for_a_full_timeout():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=30.0, clock=clock)
    breaker.record_failure()
    clock.now += 30
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.open
    clock.now += 29
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()
