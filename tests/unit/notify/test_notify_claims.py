"""What one dispatch pass may claim: rows it can send before its lease lapses for other processes."""

from services.notify.adapters import build_dispatcher, claim_batch
from services.notify.config import NotifySettings
from services.notify.domain.model import ChannelName


def settings(**values: object) -> NotifySettings:
    return NotifySettings(database_url="sqlite+aiosqlite:///:memory:", **values)


def test_a_pass_claims_no_more_than_it_can_send_within_its_lease():
    slow = settings(claim_batch=1000, dispatch_lease_s=120, send_timeout_s=10, send_concurrency=16)

    assert claim_batch(slow) == 192  # 16 in flight, 12 rounds of 10 s each in 120 s
    assert build_dispatcher(slow, {ChannelName.webhook}).claim_batch == 192


def test_a_pass_claims_the_configured_batch_when_the_lease_allows_it():
    fast = settings(claim_batch=500, dispatch_lease_s=120, send_timeout_s=1, send_concurrency=16)

    assert claim_batch(fast) == 500


def test_a_pass_claims_at_least_one_row_however_short_the_lease():
    assert claim_batch(settings(dispatch_lease_s=0.01, send_timeout_s=10, send_concurrency=1)) == 1
