"""Masking of personal data for logs, metrics, events and printouts that need only a hint of it."""

from __future__ import annotations


def mask_id_number(number: str) -> str:
    """`110105199001011234` → `110***********1234`; numbers under 10 characters keep the last 2."""
    if len(number) >= 10:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    return "*" * max(len(number) - 2, 1) + number[-2:]


def mask_phone(phone: str) -> str:
    """`13812345678` → `138****5678`; `0755-86123456` → `0755-****3456`."""
    area, sep, local = phone.rpartition("-")
    if sep:
        return f"{area}-" + "*" * (len(local) - 4) + local[-4:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """`张三` → `张*`; `欧阳娜娜` → `欧***`: the family name's first character stays."""
    stripped = name.strip()
    if len(stripped) <= 1:
        return "*"
    return stripped[0] + "*" * (len(stripped) - 1)
