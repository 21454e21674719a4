from datetime import date

import pytest

from services.intake.domain.errors import InvalidInput
from services.intake.domain.identity import (
    IdType,
    legacy_to_resident_id,
    validate_credit_code,
    validate_free_form_document,
    validate_id_document,
    validate_legacy_resident_id,
    validate_resident_id,
)

TODAY = date(2026, 11, 21)
GB_EXAMPLE_ID = "11010519491231002X"  # the worked example of GB 11643


def problem(excinfo: pytest.ExceptionInfo[InvalidInput]):
    (only,) = excinfo.value.problems
    return only


def test_standard_example_resident_id_is_valid_and_lowercase_x_is_normalised():
    assert validate_resident_id("110105 19491231 002x", today=TODAY) == GB_EXAMPLE_ID


def test_wrong_check_digit_is_rejected_naming_the_field_in_both_languages():
    with pytest.raises(InvalidInput) as excinfo:
        validate_resident_id("110105194912310021", today=TODAY, field="applicant.id_number")
    found = problem(excinfo)
    assert found.field == "applicant.id_number"
    assert "校验位" in found.zh
    assert "check digit" in found.en


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("99010519491231002X", "region"),  # no province 99
        ("110105194902301234", "birth"),  # 30 February
        ("110105203001011234", "birth"),  # born in the future
        ("11010519491231002", "17 digits"),
        ("1101051949123100AX", "letters"),
    ],
)
def test_malformed_resident_ids_are_rejected(number, why):
    with pytest.raises(InvalidInput):
        validate_resident_id(number, today=TODAY)


def test_legacy_fifteen_digit_id_with_a_real_19yy_birth_date_is_accepted():
    assert validate_legacy_resident_id("110105491231002", today=TODAY) == "110105491231002"


def test_legacy_id_with_an_impossible_birth_date_is_rejected():
    with pytest.raises(InvalidInput) as excinfo:
        validate_legacy_resident_id("110105491331002", today=TODAY)
    assert "birth date" in problem(excinfo).en


def test_legacy_id_upgrades_to_the_matching_eighteen_digit_id():
    assert legacy_to_resident_id("110105491231002") == GB_EXAMPLE_ID


@pytest.mark.parametrize(
    ("id_type", "number", "expected"),
    [
        (IdType.passport, "e 1234 5678", "E12345678"),
        (IdType.hk_macao_permit, "H12345678", "H12345678"),
        (IdType.taiwan_permit, "12345678", "12345678"),
    ],
)
def test_free_form_documents_accept_letters_and_digits(id_type, number, expected):
    assert validate_id_document(id_type=id_type, number=number, today=TODAY) == expected


@pytest.mark.parametrize("number", ["1234", "A" * 21, "E1234567<", "-E1234567"])
def test_free_form_documents_reject_odd_length_or_characters(number):
    with pytest.raises(InvalidInput) as excinfo:
        validate_free_form_document(number, id_type=IdType.passport)
    assert "护照" in problem(excinfo).zh


def test_id_document_dispatches_to_the_checksum_for_resident_ids():
    with pytest.raises(InvalidInput):
        validate_id_document(id_type=IdType.resident_id, number="110105194912310021", today=TODAY)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341l"])
def test_published_credit_codes_are_valid(code):
    assert validate_credit_code(code) == code.upper()


def test_credit_code_with_wrong_check_character_is_rejected():
    with pytest.raises(InvalidInput) as excinfo:
        validate_credit_code("91350100M000100Y44")
    found = problem(excinfo)
    assert found.field == "applicant.credit_code"
    assert "校验位" in found.zh and "check character" in found.en


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y4", "91350100M000100YO3", "X1350100M000100Y43", "913501A0M000100Y43"],
)
def test_credit_codes_with_bad_length_charset_authority_or_region_are_rejected(code):
    with pytest.raises(InvalidInput):
        validate_credit_code(code)
