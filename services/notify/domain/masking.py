"""Masking of personal data in anything logged or put in a reason (phones, names, ID numbers, e-mail)."""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{3})(\d{11}|\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; anything else keeps only its last two characters."""
    digits = re.sub(r"\D", "", phone)[-11:]
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character only."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_id_number(id_number: str) -> str:
    """18- and 15-digit resident ID numbers keep the first 3 and the last 4 characters."""
    value = id_number.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


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


class PersonalDataFilter(logging.Filter):
    """Attach to a log handler: the formatted message is scrubbed before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True
