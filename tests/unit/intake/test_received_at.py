"""How far back a case may say it was received: the district pack's bound for its channel."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.districts import load_packs
from services.intake.domain.errors import InvalidInput
from services.intake.domain.registration import check_received_at

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DEMO = load_packs()["demo"]


def test_without_a_received_time_the_case_is_received_now() -> None:
    assert check_received_at(None, now=NOW, district=DEMO, channel="web") == NOW


def test_a_pack_sets_its_own_bound_per_channel() -> None:
    strict = DEMO.model_copy(update={"max_backdate_days": {"letter": 5}})
    ten_days_ago = NOW - timedelta(days=10)

    assert check_received_at(ten_days_ago, now=NOW, district=DEMO, channel="letter") == ten_days_ago
    with pytest.raises(InvalidInput) as refused:
        check_received_at(ten_days_ago, now=NOW, district=strict, channel="letter")
    assert [p.field for p in refused.value.problems] == ["received_at"] and "5" in refused.value.problems[0].en
    with pytest.raises(InvalidInput):
        check_received_at(NOW - timedelta(days=1), now=NOW, district=strict, channel="phone")  # not listed: 0


def test_the_bound_is_checked_when_the_pack_is_loaded() -> None:
    with pytest.raises(ValueError, match="max_backdate_days"):
        type(DEMO).model_validate({**DEMO.model_dump(), "max_backdate_days": {"letter": -1}})
