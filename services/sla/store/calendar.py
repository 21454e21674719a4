"""Announcing the working-day overrides sla counts with, so routing counts the same days
(shared.events.calendar), through the outbox of the caller's transaction."""

from shared.consuming import Unit
from shared.events.calendar import CALENDAR_KEY, DeclaredYear, OverrideDay, WorkingDayOverridesChanged
from shared.topics import SLA_EVENTS
from shared.working_days import CalendarOverrides

EVERY_DISTRICT = "*"  # the envelope's district: the overrides name their own districts


async def announce_overrides(unit: Unit, overrides: CalendarOverrides) -> None:
    event = WorkingDayOverridesChanged(
        years=[DeclaredYear(year=y.year, source=y.source) for y in overrides.years],
        days=[OverrideDay(date=d.date, kind=d.kind, note=d.note, districts=list(d.districts)) for d in overrides.days],
    )
    await unit.emit(event, topic=SLA_EVENTS, case_id=CALENDAR_KEY, district=EVERY_DISTRICT)
