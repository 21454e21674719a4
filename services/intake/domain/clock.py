"""Time rules shared by the domain: store UTC, reason in Asia/Shanghai, never a naive datetime."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def require_aware(value: datetime, *, name: str) -> None:
    """Raise ValueError for a naive datetime: a programming error, not user input."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def local_date(at: datetime) -> date:
    """The calendar date in Asia/Shanghai at the instant `at`."""
    require_aware(at, name="at")
    return at.astimezone(LOCAL_ZONE).date()
