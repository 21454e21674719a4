import pytest

from shared.working_days import WorkingDayCalendar
from services.sla.domain.policy import SlaPolicy, load_policies


@pytest.fixture(scope="session")
def policy() -> SlaPolicy:
    return load_policies()["demo"]


@pytest.fixture(scope="session")
def calendar() -> WorkingDayCalendar:
    """The installed chinese_calendar with no overrides."""
    return WorkingDayCalendar.from_chinese_calendar()
