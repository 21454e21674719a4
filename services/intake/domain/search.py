"""What a member of staff typed in the one search box, recognised: a case number, a 12345 ticket id, a
phone, an ID number, a credit code or an applicant's name.

The personal identifiers are looked up through their blind indexes (keyed hashes), never by opening
sealed values; so each is recognised by its shape and checked (an ID number's and a credit code's check
character) before it is hashed. An 18-character text can be both a valid ID number and a valid credit
code: both are asked. A 12345 ticket id has no fixed shape (each platform numbers its own): a single
ASCII token that is no checked identifier is asked as one, and as a passport number (with digits) or
a name (without).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .case_number import parse_case_number
from .errors import InvalidInput
from .identity import (
    IdType,
    validate_credit_code,
    validate_free_form_document,
    validate_legacy_resident_id,
    validate_resident_id,
)
from .phone import validate_phone

MAX_QUERY_CHARS = 100
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_RESIDENT_ID_SHAPE = re.compile(r"\d{17}[\dXx]|\d{15}")


class Recognised(StrEnum):
    case_number = "case_number"
    hotline_ticket = "hotline_ticket"  # 12345 工单号
    phone = "phone"
    id_number = "id_number"
    credit_code = "credit_code"
    name = "name"


@dataclass(frozen=True)
class SearchTerms:
    """What to look for: plain identifiers, and personal values by blind-index kind (hashed by the caller)."""

    case_number: str | None = None
    hotline_ticket: str | None = None
    personal: dict[str, str] = field(default_factory=dict)  # blind-index kind → normalised value

    @property
    def recognised_as(self) -> list[Recognised]:
        plain = [kind for kind in (Recognised.case_number, Recognised.hotline_ticket) if getattr(self, kind)]
        return plain + [Recognised(kind) for kind in self.personal]


def _valid(check, *args, **kwargs) -> str | None:
    try:
        return check(*args, **kwargs)
    except InvalidInput:
        return None


def recognise(q: str, *, today: date) -> SearchTerms:
    """The terms `q` stands for; `InvalidInput` naming `q` when it is empty or stands for none."""
    text = q.strip()
    if not text:
        raise InvalidInput.single(field="q", zh="请输入要查找的内容", en="type what to look for")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput.single(field="q", zh=f"查找内容不能超过{MAX_QUERY_CHARS}个字符",
                                  en=f"a search is at most {MAX_QUERY_CHARS} characters")
    if (number := _valid(parse_case_number, text)) is not None:
        return SearchTerms(case_number=str(number))
    compact = "".join(text.split())
    personal: dict[str, str] = {}
    if (phone := _valid(validate_phone, text)) is not None:
        personal["phone"] = phone
    id_number = (_valid(validate_resident_id, compact, today=today)
                 or _valid(validate_legacy_resident_id, compact, today=today))
    if id_number is not None:
        personal["id_number"] = id_number
    if (credit_code := _valid(validate_credit_code, compact)) is not None:
        personal["credit_code"] = credit_code
    if personal:  # a checked identifier is what it is
        return SearchTerms(personal=personal)
    ticket = text if _TOKEN.fullmatch(text) else None
    # Or a passport or permit number (free-form, stored upper-case as typed); an ID number with a wrong
    # check digit is a typo, not a passport.
    if (ticket is not None and any(c.isdigit() for c in ticket) and not _RESIDENT_ID_SHAPE.fullmatch(compact)
            and (document := _valid(validate_free_form_document, compact, id_type=IdType.passport)) is not None):
        personal["id_number"] = document
    if any(c.isalpha() for c in text) and (ticket is None or not any(c.isdigit() for c in text)):
        personal["name"] = text  # a person's or an enterprise's full name (an enterprise's may hold digits)
    if ticket is None and not personal:
        raise InvalidInput.single(
            field="q", zh="无法识别:请输入案件编号、12345工单号、手机号、证件号码、统一社会信用代码或申请人姓名",
            en="not recognised: type a case number, a 12345 ticket id, a phone, an ID number, a credit code "
               "or the applicant's name")
    return SearchTerms(hotline_ticket=ticket, personal=personal)
