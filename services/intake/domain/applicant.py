"""The applicant (办事人): a person or an enterprise, validated as a whole.

A person may come without an ID document (a 12345 caller often gives only a name and a phone);
when a document is given, its type and number are both required and checked. An enterprise's
credit code is likewise optional but checked when present. The phone is always required: the
callback (回访) and the citizen's status lookup both depend on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .errors import FieldProblem, InvalidInput
from .identity import IdType, validate_credit_code, validate_id_document
from .limits import ENTERPRISE_NAME_MAX_CHARS, PERSON_NAME_MAX_CHARS
from .phone import validate_phone
from .text import validate_text


class ApplicantKind(StrEnum):
    person = "person"  # 群众
    enterprise = "enterprise"  # 企业


@dataclass(frozen=True, kw_only=True)
class Applicant:
    kind: ApplicantKind
    name: str  # the person's name, or the enterprise's registered name
    phone: str
    id_type: IdType | None = None
    id_number: str | None = None
    credit_code: str | None = None  # 统一社会信用代码, enterprises only
    contact_name: str = ""  # an enterprise's agent at the window (经办人)


def validate_applicant(
    *, kind: ApplicantKind, name: str | None, phone: str | None, today: date,
    id_type: IdType | None = None, id_number: str | None = None,
    credit_code: str | None = None, contact_name: str | None = None,
    prefix: str = "applicant",
) -> Applicant:
    """Return a normalised `Applicant`, or raise `InvalidInput` listing every bad field at once
    (fields named `{prefix}.name`, `{prefix}.id_number`, ...)."""
    problems: list[FieldProblem] = []

    def check(fn: Callable[..., str], *args: object, **kwargs: object) -> str | None:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as error:
            problems.extend(error.problems)
            return None

    is_person = kind is ApplicantKind.person
    clean_name = check(
        validate_text, name, field=f"{prefix}.name",
        label_zh="姓名" if is_person else "企业名称",
        label_en="name" if is_person else "enterprise name",
        max_chars=PERSON_NAME_MAX_CHARS if is_person else ENTERPRISE_NAME_MAX_CHARS,
    )
    clean_phone = check(validate_phone, phone or "", field=f"{prefix}.phone")
    clean_contact = check(
        validate_text, contact_name, field=f"{prefix}.contact_name", label_zh="经办人姓名",
        label_en="contact name", max_chars=PERSON_NAME_MAX_CHARS, required=False,
    )

    clean_id = None
    if not is_person and (id_type or id_number):
        problems.append(FieldProblem(
            field=f"{prefix}.id_type", zh="企业申请人不填写个人证件,请填写统一社会信用代码",
            en="an enterprise applicant has no personal ID; give its unified social credit code",
        ))
    elif id_type is None and id_number:
        problems.append(FieldProblem(
            field=f"{prefix}.id_type", zh="填写证件号码时须选择证件类型",
            en="an ID number needs its ID type",
        ))
    elif id_type is not None and not (id_number or "").strip():
        problems.append(FieldProblem(
            field=f"{prefix}.id_number", zh="选择证件类型后须填写证件号码",
            en="an ID type needs its ID number",
        ))
    elif id_type is not None:
        clean_id = check(
            validate_id_document, id_type=id_type, number=id_number, today=today,
            field=f"{prefix}.id_number",
        )

    clean_code = None
    if is_person and credit_code:
        problems.append(FieldProblem(
            field=f"{prefix}.credit_code", zh="个人申请人不填写统一社会信用代码",
            en="a person applicant has no unified social credit code",
        ))
    elif credit_code:
        clean_code = check(validate_credit_code, credit_code, field=f"{prefix}.credit_code")

    if problems:
        raise InvalidInput(*problems)
    return Applicant(
        kind=kind, name=clean_name, phone=clean_phone, id_type=id_type, id_number=clean_id,
        credit_code=clean_code, contact_name=clean_contact,
    )
