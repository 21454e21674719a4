import pytest

from services.intake.domain.errors import InvalidInput
from services.intake.domain.phone import phone_last_four, validate_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("010-62345678", "010-62345678"),
        ("(021)6234 5678", "021-62345678"),
        ("0755-8612345", "0755-8612345"),
        ("07558612 3456", "0755-86123456"),
    ],
)
def test_mobile_and_landline_numbers_are_normalised(raw, expected):
    assert validate_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["12812345678", "1381234567", "138123456789", "62345678", "010-02345678", "400-1234567"]
)
def test_invalid_phone_numbers_are_rejected_naming_the_field(raw):
    with pytest.raises(InvalidInput) as excinfo:
        validate_phone(raw, field="applicant.phone")
    (found,) = excinfo.value.problems
    assert found.field == "applicant.phone"
    assert "联系电话" in found.zh and "phone number" in found.en


def test_last_four_digits_are_what_the_status_lookup_asks_for():
    assert phone_last_four("13812345678") == "5678"
    assert phone_last_four("0755-86123456") == "3456"
