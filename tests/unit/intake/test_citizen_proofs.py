"""The citizen pages' proofs: the proof of work, the code's keyed hash, the follow token."""

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.domain import citizen
from services.intake.domain.errors import InvalidInput

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_leading_zero_bits_count_across_bytes() -> None:
    assert citizen.leading_zero_bits(bytes([0, 0, 0b0001_0000, 0xFF])) == 19
    assert citizen.leading_zero_bits(bytes([0x80])) == 0


def test_a_solved_nonce_holds_and_another_seed_does_not_take_it() -> None:
    nonce = citizen.solve(seed="abc", difficulty_bits=10)
    assert citizen.proof_holds(seed="abc", nonce=nonce, difficulty_bits=10)
    assert not all(citizen.proof_holds(seed=seed, nonce=nonce, difficulty_bits=10) for seed in ("x", "y", "z"))


def test_a_code_matches_only_its_own_verification_and_secret() -> None:
    stored = citizen.code_hash("s", verification_id="v1", code="123456")
    assert citizen.code_matches("s", verification_id="v1", code="123456", stored=stored)
    assert not citizen.code_matches("s", verification_id="v2", code="123456", stored=stored)
    assert not citizen.code_matches("other", verification_id="v1", code="123456", stored=stored)
    assert not citizen.code_matches("s", verification_id="v1", code="123456", stored=None)
    assert "123456" not in stored


def test_codes_have_six_digits() -> None:
    assert all(len(code) == 6 and code.isdigit() for code in (citizen.new_code() for _ in range(200)))


def test_a_follow_token_names_its_case_until_it_expires() -> None:
    token = citizen.follow_token("s", case_id="c1", now=NOW, valid_for=timedelta(days=1))
    assert citizen.case_of_token("s", token, now=NOW + timedelta(hours=23)) == "c1"
    with pytest.raises(InvalidInput, match="expired"):
        citizen.case_of_token("s", token, now=NOW + timedelta(days=2))


@pytest.mark.parametrize("forge", [
    lambda t: t.replace(".c1.", ".c2."), lambda t: t[:-2] + "AA", lambda t: "garbage", lambda t: t + ".x"])
def test_a_forged_follow_token_is_refused_naming_the_field(forge) -> None:
    token = citizen.follow_token("s", case_id="c1", now=NOW, valid_for=timedelta(days=1))
    with pytest.raises(InvalidInput) as refused:
        citizen.case_of_token("s", forge(token), now=NOW)
    assert refused.value.problems[0].field == "follow_token"


def test_a_wrong_code_counts_down_and_the_last_allowed_one_burns() -> None:
    assert citizen.check_code(matches=True, failures=4, max_failures=5).outcome is citizen.CodeOutcome.accepted
    assert citizen.check_code(matches=False, failures=0, max_failures=5) == citizen.CodeCheck(
        citizen.CodeOutcome.wrong, tries_left=4)
    assert citizen.check_code(matches=False, failures=4, max_failures=5).outcome is citizen.CodeOutcome.burnt
