"""Naive datetimes refused as bad requests: `shared.clock`'s check, answered as routing's 4xx."""

from datetime import datetime

from shared.clock import NaiveDatetime, require_aware

from .errors import InvalidRequest


def require_timezone(value: datetime, *, field: str) -> datetime:
    """Return ``value`` if it carries a timezone, else raise InvalidRequest."""
    try:
        return require_aware(value, field=field)
    except NaiveDatetime:
        raise InvalidRequest(
            en=f"{field} must be timezone-aware, got naive {value.isoformat()}",
            zh=f"{field} 必须带时区，收到的是无时区时间 {value.isoformat()}",
        ) from None
