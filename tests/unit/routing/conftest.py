from datetime import UTC, date, datetime, timedelta

import pytest

from services.routing.domain.loader import District, load_districts
from services.routing.domain.router import Router


@pytest.fixture(scope="session")
def demo() -> District:
    return load_districts()["demo"]


@pytest.fixture(scope="session")
def router(demo: District) -> Router:
    return Router([demo])


def weekdays_between(start: date, end: date) -> int:
    """Working days after start up to and including end, weekends only (sla plugs in the real calendar)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += day.weekday() < 5
    return days


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
