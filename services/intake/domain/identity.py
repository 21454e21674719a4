"""Identity documents of applicants: resident IDs, free-form travel permits, credit codes.

Every validator returns the normalised value (upper case, no spaces) or raises `InvalidInput`
naming `field`, with a message in Chinese and English.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from .errors import InvalidInput
from .limits import FREE_FORM_DOCUMENT_MAX_CHARS, FREE_FORM_DOCUMENT_MIN_CHARS


class IdType(StrEnum):
    resident_id = "resident_id"  # 居民身份证 (18 digits, GB 11643)
    legacy_resident_id = "legacy_resident_id"  # 15-digit first-generation ID, issued until 1999
    passport = "passport"  # 护照
    hk_macao_permit = "hk_macao_permit"  # 港澳居民来往内地通行证
    taiwan_permit = "taiwan_permit"  # 台湾居民来往大陆通行证


FREE_FORM_ID_TYPES = frozenset({IdType.passport, IdType.hk_macao_permit, IdType.taiwan_permit})

# The full six-digit region list (GB/T 2260) changes every year and old codes stay valid on old
# cards, so only the province-level prefix is checked; 71/81/82 are Taiwan, Hong Kong, Macao and
# 83 the residence permits of Taiwan residents.
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
     "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
     "65", "71", "81", "82", "83"}
)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_AUTHORITIES = frozenset("123456789ANY")  # registration authority, first character
_FREE_FORM = re.compile(r"[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?")

_ID_LABEL_ZH = {
    IdType.resident_id: "居民身份证号码",
    IdType.legacy_resident_id: "15位旧版身份证号码",
    IdType.passport: "护照号码",
    IdType.hk_macao_permit: "港澳居民来往内地通行证号码",
    IdType.taiwan_permit: "台湾居民来往大陆通行证号码",
}
_ID_LABEL_EN = {
    IdType.resident_id: "resident ID number",
    IdType.legacy_resident_id: "15-digit legacy ID number",
    IdType.passport: "passport number",
    IdType.hk_macao_permit: "Hong Kong/Macao permit number",
    IdType.taiwan_permit: "Taiwan permit number",
}


def _compact(value: str) -> str:
    return "".join(value.split()).upper()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character (0-9 or X) for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK_CHARS[total % 11]


def _check_region_and_birth(
    *, region: str, birth: date | None, today: date, field: str, id_type: IdType
) -> None:
    zh, en = _ID_LABEL_ZH[id_type], _ID_LABEL_EN[id_type]
    if region[:2] not in PROVINCE_PREFIXES:
        raise InvalidInput.single(
            field=field,
            zh=f"{zh}的地区码 {region} 不存在",
            en=f"{en}: region code {region} does not exist",
        )
    if birth is None or not EARLIEST_BIRTH_DATE <= birth <= today:
        raise InvalidInput.single(
            field=field, zh=f"{zh}中的出生日期无效", en=f"{en}: the birth date is not valid"
        )


def _parse_date(digits: str) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def validate_resident_id(value: str, *, today: date, field: str = "applicant.id_number") -> str:
    """Check an 18-digit resident ID: region prefix, birth date, check digit (mod 11, X = 10)."""
    number = _compact(value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise InvalidInput.single(
            field=field,
            zh="居民身份证号码应为18位:17位数字加1位数字或X",
            en="resident ID number must be 17 digits followed by a digit or X",
        )
    _check_region_and_birth(
        region=number[:6], birth=_parse_date(number[6:14]), today=today, field=field,
        id_type=IdType.resident_id,
    )
    if resident_id_check_char(number[:17]) != number[17]:
        raise InvalidInput.single(
            field=field,
            zh="居民身份证号码校验位错误,请核对号码",
            en="resident ID number has a wrong check digit; please check the number",
        )
    return number


def validate_legacy_resident_id(
    value: str, *, today: date, field: str = "applicant.id_number"
) -> str:
    """Check a 15-digit first-generation ID: region prefix, birth date 19YYMMDD; no check digit."""
    number = _compact(value)
    if not re.fullmatch(r"\d{15}", number):
        raise InvalidInput.single(
            field=field,
            zh="15位旧版身份证号码应为15位数字",
            en="legacy ID number must be exactly 15 digits",
        )
    _check_region_and_birth(
        region=number[:6], birth=_parse_date("19" + number[6:12]), today=today, field=field,
        id_type=IdType.legacy_resident_id,
    )
    return number


def legacy_to_resident_id(legacy: str) -> str:
    """The 18-digit form of a valid 15-digit ID (century 19 inserted, check digit appended),
    useful when tracing a person known only by an old number."""
    first17 = legacy[:6] + "19" + legacy[6:]
    return first17 + resident_id_check_char(first17)


def validate_free_form_document(
    value: str, *, id_type: IdType, field: str = "applicant.id_number"
) -> str:
    """Passports and HK/Macao/Taiwan permits: letters, digits and inner hyphens, sane length."""
    if id_type not in FREE_FORM_ID_TYPES:
        raise ValueError(f"{id_type} is not a free-form document type")
    number = _compact(value)
    if not (
        FREE_FORM_DOCUMENT_MIN_CHARS <= len(number) <= FREE_FORM_DOCUMENT_MAX_CHARS
        and _FREE_FORM.fullmatch(number)
    ):
        lo, hi = FREE_FORM_DOCUMENT_MIN_CHARS, FREE_FORM_DOCUMENT_MAX_CHARS
        raise InvalidInput.single(
            field=field,
            zh=f"{_ID_LABEL_ZH[id_type]}应为{lo}至{hi}位字母或数字",
            en=f"{_ID_LABEL_EN[id_type]} must be {lo} to {hi} letters or digits",
        )
    return number


def validate_id_document(
    *, id_type: IdType, number: str, today: date, field: str = "applicant.id_number"
) -> str:
    """Validate `number` as a document of `id_type`; returns it normalised."""
    if id_type is IdType.resident_id:
        return validate_resident_id(number, today=today, field=field)
    if id_type is IdType.legacy_resident_id:
        return validate_legacy_resident_id(number, today=today, field=field)
    return validate_free_form_document(number, id_type=id_type, field=field)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters (weights 3^i mod 31)."""
    total = sum(
        _CREDIT_CHARSET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str, *, field: str = "applicant.credit_code") -> str:
    """Check a unified social credit code (统一社会信用代码): 18 characters, authority,
    six-digit region, check character."""
    code = _compact(value)
    if len(code) != 18 or any(c not in _CREDIT_CHARSET for c in code):
        raise InvalidInput.single(
            field=field,
            zh="统一社会信用代码应为18位数字或大写字母(不含I、O、S、V、Z)",
            en="unified social credit code must be 18 digits or capital letters (no I, O, S, V, Z)",
        )
    if code[0] not in _CREDIT_AUTHORITIES or not code[2:8].isdigit():
        raise InvalidInput.single(
            field=field,
            zh="统一社会信用代码的登记管理部门代码或行政区划码无效",
            en="unified social credit code has an invalid registration authority or region code",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidInput.single(
            field=field,
            zh="统一社会信用代码校验位错误,请核对代码",
            en="unified social credit code has a wrong check character; please check the code",
        )
    return code
