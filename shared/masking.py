"""Masking personal data, once for every service: logs, failure reasons, printouts and events carry only
a hint of a name, a phone number, an ID number or an e-mail address."""

import re

_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{3})(\d{11}|\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_id_number(number: str) -> str:
    """`110105199001011234` → `110***********1234`; numbers under 10 characters keep the last 2."""
    number = number.strip()
    if len(number) >= 10:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    return "*" * max(len(number) - 2, 1) + number[-2:]


def mask_phone(phone: str) -> str:
    """`13812345678` (also `+86 138-1234-5678`) → `138****5678`; `0755-86123456` → `0755-****3456`."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 11 and digits[-11] == "1":
        return f"{digits[-11:-8]}****{digits[-4:]}"
    area, separator, local = phone.rpartition("-")
    if separator:
        return f"{area}-" + "*" * (len(local) - 4) + local[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_name(name: str) -> str:
    """`张三` → `张*`, `欧阳娜娜` → `欧***`: the first character stays; a one-character name is hidden."""
    stripped = name.strip()
    if len(stripped) <= 1:
        return "*"
    return stripped[0] + "*" * (len(stripped) - 1)


def mask_email(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at:
        return f"{address[:1]}***"
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Scrub phones, ID numbers and e-mail addresses found in free text (names need structure)."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
