"""Free-text fields: trimmed, required or optional, bounded by the limits in `limits`."""

from __future__ import annotations

from .errors import InvalidInput
from .limits import DESCRIPTION_MAX_CHARS


def validate_text(
    value: str | None, *, field: str, label_zh: str, label_en: str, max_chars: int,
    required: bool = True,
) -> str:
    """Return `value` stripped; raise `InvalidInput` if required and blank, or too long.
    An optional blank value comes back as ''."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput.single(
            field=field, zh=f"{label_zh}不能为空", en=f"{label_en} must not be empty"
        )
    if len(text) > max_chars:
        raise InvalidInput.single(
            field=field,
            zh=f"{label_zh}不能超过{max_chars}个字符(现为{len(text)}个)",
            en=f"{label_en} must be at most {max_chars} characters (got {len(text)})",
        )
    return text


def validate_description(value: str | None, *, field: str = "description") -> str:
    """The problem as the person tells it, in Chinese free text; required."""
    return validate_text(
        value, field=field, label_zh="问题描述", label_en="description",
        max_chars=DESCRIPTION_MAX_CHARS,
    )
