from pathlib import Path

import pytest

from services.sla.domain.policy import SlaPolicy, load_policies
from services.sla.domain.working_days import WorkingDayCalendar

SLA_DATA = Path(__file__).resolve().parents[3] / "services" / "sla" / "data"


@pytest.fixture(scope="session")
def sla_data() -> Path:
    return SLA_DATA


@pytest.fixture(scope="session")
def policy() -> SlaPolicy:
    return load_policies()["demo"]


@pytest.fixture(scope="session")
def calendar() -> WorkingDayCalendar:
    """The installed chinese_calendar with no overrides."""
    return WorkingDayCalendar.from_chinese_calendar()
