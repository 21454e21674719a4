"""sla's HTTP face: a case's deadlines, the supervision board, the calendar, and (tests only) the clock."""

from fastapi import APIRouter

from services.sla.api import calendar, cases, departments, supervision, test_clock
from services.sla.config import SlaSettings


def routers(settings: SlaSettings) -> list[APIRouter]:
    """The routes of a runtime built with `settings`; the test clock's only when environment=test."""
    mounted = [cases.router, departments.router, supervision.router, calendar.router]
    if settings.environment == "test":
        mounted.append(test_clock.router)
    return mounted
