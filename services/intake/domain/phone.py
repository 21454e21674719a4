"""Chinese phone numbers: mobile (1[3-9] + 9 digits) and landline with area code.

Normalised forms: mobile `13812345678`; landline `0755-86123456`. Extensions and 400/800
service numbers are not accepted: a citizen's callback number is a line that reaches a person.
"""

from __future__ import annotations

import re

from .errors import InvalidInput

_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1\d{10}$)")
# Beijing (010) and the 02x cities have three-digit area codes, every other area four.
_LANDLINE = re.compile(r"(010|02\d|0[3-9]\d{2})([2-9]\d{6,7})")


def validate_phone(value: str, *, field: str = "applicant.phone") -> str:
    """Return the normalised mobile or landline number, or raise `InvalidInput` naming `field`."""
    digits = _COUNTRY_PREFIX.sub("", re.sub(r"[\s()\-]", "", value))
    if _MOBILE.fullmatch(digits):
        return digits
    landline = _LANDLINE.fullmatch(digits)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise InvalidInput.single(
        field=field,
        zh="联系电话格式不正确:应为11位手机号码,或带区号的固定电话(如 0755-86123456)",
        en="phone number is not valid: use an 11-digit mobile number or a landline with its "
        "area code (e.g. 0755-86123456)",
    )


def phone_last_four(phone: str) -> str:
    """The last four digits, which a citizen gives with the case number to look a case up."""
    return phone[-4:]
