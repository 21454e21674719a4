from datetime import date

import pytest

from services.intake.domain.applicant import ApplicantKind, validate_applicant
from services.intake.domain.errors import InvalidInput
from services.intake.domain.identity import IdType
from services.intake.domain.limits import DESCRIPTION_MAX_CHARS
from services.intake.domain.text import validate_description

TODAY = date(2026, 11, 21)


def fields(excinfo: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {p.field for p in excinfo.value.problems}


def test_person_with_resident_id_is_normalised():
    applicant = validate_applicant(
        kind=ApplicantKind.person, name=" 王芳 ", phone="138 1234 5678", today=TODAY,
        id_type=IdType.resident_id, id_number="11010519491231002x",
    )
    assert (applicant.name, applicant.phone, applicant.id_number) == (
        "王芳", "13812345678", "11010519491231002X"
    )


def test_hotline_caller_without_id_document_is_accepted():
    applicant = validate_applicant(
        kind=ApplicantKind.person, name="刘先生", phone="13912345678", today=TODAY
    )
    assert applicant.id_type is None and applicant.id_number is None


def test_enterprise_with_credit_code_and_agent():
    applicant = validate_applicant(
        kind=ApplicantKind.enterprise, name="深圳某某物业管理有限公司", phone="0755-86123456",
        today=TODAY, credit_code="91350100M000100Y43", contact_name="陈经理",
    )
    assert applicant.credit_code == "91350100M000100Y43"
    assert applicant.contact_name == "陈经理"


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidInput) as excinfo:
        validate_applicant(
            kind=ApplicantKind.person, name="", phone="123", today=TODAY,
            id_type=IdType.resident_id, id_number="110105194912310021",
        )
    assert fields(excinfo) == {"applicant.name", "applicant.phone", "applicant.id_number"}


def test_id_number_without_type_and_type_without_number_are_rejected():
    with pytest.raises(InvalidInput) as without_type:
        validate_applicant(kind=ApplicantKind.person, name="王芳", phone="13812345678",
                           today=TODAY, id_number="E12345678")
    with pytest.raises(InvalidInput) as without_number:
        validate_applicant(kind=ApplicantKind.person, name="王芳", phone="13812345678",
                           today=TODAY, id_type=IdType.passport)
    assert fields(without_type) == {"applicant.id_type"}
    assert fields(without_number) == {"applicant.id_number"}


def test_enterprise_with_wrong_credit_code_names_the_credit_code_field():
    with pytest.raises(InvalidInput) as excinfo:
        validate_applicant(kind=ApplicantKind.enterprise, name="某公司", phone="13812345678",
                           today=TODAY, credit_code="91350100M000100Y44", prefix="enterprise")
    assert fields(excinfo) == {"enterprise.credit_code"}


def test_person_cannot_carry_a_credit_code_nor_an_enterprise_a_personal_id():
    with pytest.raises(InvalidInput) as person:
        validate_applicant(kind=ApplicantKind.person, name="王芳", phone="13812345678",
                           today=TODAY, credit_code="91350100M000100Y43")
    with pytest.raises(InvalidInput) as enterprise:
        validate_applicant(kind=ApplicantKind.enterprise, name="某公司", phone="13812345678",
                           today=TODAY, id_type=IdType.passport, id_number="E12345678")
    assert fields(person) == {"applicant.credit_code"}
    assert fields(enterprise) == {"applicant.id_type"}


def test_empty_description_is_rejected_in_chinese_and_english():
    with pytest.raises(InvalidInput) as excinfo:
        validate_description("   ")
    (found,) = excinfo.value.problems
    assert (found.field, found.zh, found.en) == (
        "description", "问题描述不能为空", "description must not be empty"
    )


def test_description_at_the_limit_passes_and_one_more_character_fails():
    assert len(validate_description("办" * DESCRIPTION_MAX_CHARS)) == DESCRIPTION_MAX_CHARS
    with pytest.raises(InvalidInput) as excinfo:
        validate_description("办" * (DESCRIPTION_MAX_CHARS + 1))
    assert str(DESCRIPTION_MAX_CHARS) in excinfo.value.problems[0].zh
