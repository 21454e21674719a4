from datetime import UTC, date, datetime

import pytest

from services.intake.domain.case_number import CaseNumber, case_number_for, parse_case_number
from services.intake.domain.errors import InvalidInput


def test_number_uses_the_shanghai_date_not_the_utc_date():
    # 17:30 UTC on 20 November is 01:30 on 21 November in Shanghai.
    number = case_number_for(
        hall_prefix="FT", registered_at=datetime(2026, 11, 20, 17, 30, tzinfo=UTC), sequence=42
    )
    assert str(number) == "FT-20261121-0042"


def test_naive_registration_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        case_number_for(hall_prefix="FT", registered_at=datetime(2026, 11, 21), sequence=1)


def test_parse_round_trips_and_forgives_case_and_spaces():
    parsed = parse_case_number("  ft-20261121-0042 ")
    assert parsed == CaseNumber(hall_prefix="FT", local_date=date(2026, 11, 21), sequence=42)
    assert str(parse_case_number(str(parsed))) == "FT-20261121-0042"


def test_sequences_past_9999_widen_and_still_parse():
    number = CaseNumber(hall_prefix="ZSDQ", local_date=date(2026, 1, 5), sequence=12345)
    assert parse_case_number(str(number)) == number


@pytest.mark.parametrize(
    "text",
    [
        "FT-20261131-0042",  # 31 November
        "FT-2026112-0042",
        "FT-20261121-042",
        "FT-20261121-00042",  # not canonical: a second spelling of 0042
        "FT-20261121-0000",
        "1T-20261121-0042",
        "FT20261121-0042",
    ],
)
def test_malformed_numbers_are_rejected_naming_the_field(text):
    with pytest.raises(InvalidInput) as excinfo:
        parse_case_number(text)
    assert excinfo.value.problems[0].field == "case_number"
