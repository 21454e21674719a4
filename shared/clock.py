"""Time, one way for every service: stored and sent in UTC, reasoned in local time, never naive.

Local time is Asia/Shanghai unless a district's pack names another zone (its `timezone`); every helper
taking local time takes the zone, Shanghai by default. A naive datetime is a programming error here:
`NaiveDatetime` (a ValueError) names the value's field, for a route to answer 4xx with it.
"""

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class NaiveDatetime(ValueError):
    """A datetime without a timezone where an instant was needed."""

    def __init__(self, field: str, value: datetime) -> None:
        super().__init__(f"{field} must be timezone-aware, got naive {value.isoformat()}")
        self.field = field


def now_utc() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def stored_utc(value: datetime) -> datetime:
    """A datetime read back from a column as an instant: columns are written in UTC, and SQLite gives them
    back without a zone."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def require_aware(value: datetime, *, field: str) -> datetime:
    """`value` itself when it carries a timezone, else NaiveDatetime naming `field`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(field, value)
    return value


def as_utc(value: datetime, *, field: str = "datetime") -> datetime:
    """The same instant in UTC."""
    return require_aware(value, field=field).astimezone(UTC)


def local_time(value: datetime, zone: tzinfo = SHANGHAI, *, field: str = "datetime") -> datetime:
    """The same instant on the local clock of `zone`."""
    return require_aware(value, field=field).astimezone(zone)


def local_date(value: datetime, zone: tzinfo = SHANGHAI, *, field: str = "datetime") -> date:
    """The calendar date in `zone` at the instant `value`."""
    return local_time(value, zone, field=field).date()


def local_minute(value: datetime, zone: tzinfo = SHANGHAI, *, field: str = "datetime") -> str:
    """The instant as people read it in messages and cards: `2026-12-07 16:05`, local time."""
    return local_time(value, zone, field=field).strftime("%Y-%m-%d %H:%M")
