"""Guards for the rule "never a naive datetime"."""

from datetime import UTC, datetime


def require_aware(value: datetime, *, name: str) -> datetime:
    """Return `value` in UTC; raise ValueError if it carries no timezone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)
