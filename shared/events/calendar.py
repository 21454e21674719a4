"""Working-day calendar events. Producer: sla (which reads the operator overrides file). Consumers: routing.

Each event carries the whole overrides set, not a difference: a consumer replaces what it holds with the
newest one it has seen (by the envelope's `occurred_at`), so a lost or repeated event cannot leave it with
half an edit. Keyed by `calendar`, not a case id.
"""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.base import Event

# The key and the envelope's case id of every calendar event (it concerns no case).
CALENDAR_KEY = "calendar"


class OverrideDay(BaseModel):
    """One operator-declared day: a local holiday, or a working day the statutory data does not know."""

    date: date
    kind: Literal["workday", "holiday"]
    note: str
    districts: list[str] = Field(default_factory=list, description="Districts it applies to; empty: every district")


class DeclaredYear(BaseModel):
    """A year whose whole arrangement is entered in the days (e.g. from the State Council notice)."""

    year: int
    source: str


class WorkingDayOverridesChanged(Event):
    """The working-day overrides sla counts with, as loaded at its start or by POST /calendar/reload."""

    type = "calendar.working_day_overrides_changed"

    years: list[DeclaredYear] = Field(default_factory=list)
    days: list[OverrideDay] = Field(default_factory=list, examples=[[
        {"date": "2027-01-04", "kind": "holiday", "note": "a local holiday", "districts": ["demo"]},
    ]])
