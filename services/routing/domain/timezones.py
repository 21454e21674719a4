"""Time rules: store UTC, reason in Asia/Shanghai local dates, refuse naive datetimes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import InvalidRequest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def require_aware(value: datetime, *, field: str) -> datetime:
    """Return ``value`` if it carries a timezone, else raise InvalidRequest."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest(
            en=f"{field} must be timezone-aware, got naive {value.isoformat()}",
            zh=f"{field} 必须带时区，收到的是无时区时间 {value.isoformat()}",
        )
    return value


def local_date(value: datetime) -> date:
    """The calendar date of an aware datetime in Asia/Shanghai."""
    return require_aware(value, field="datetime").astimezone(SHANGHAI).date()
