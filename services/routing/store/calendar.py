"""Routing's working-day calendar: the shared one (shared.working_days) with the overrides sla announced,
stored when they arrive and read when a return window is counted."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events.calendar import WorkingDayOverridesChanged
from shared.working_days import CalendarOverrides, Calendars
from services.routing.store.queries import working_day_overrides
from services.routing.store.tables import WorkingDayOverrides


async def calendars(session: AsyncSession) -> Calendars:
    """The district calendars with the overrides announced last (the statutory arrangement alone before any)."""
    row = await working_day_overrides(session)
    if row is None:
        return Calendars()
    return Calendars(CalendarOverrides.model_validate({"years": row.years, "days": row.days}))


async def store_overrides(session: AsyncSession, event: WorkingDayOverridesChanged, *, announced_at: datetime) -> None:
    """Keep `event`'s overrides unless newer ones are stored already (announcements may arrive out of order)."""
    row = await working_day_overrides(session, for_update=True)
    if row is None:
        row = WorkingDayOverrides(announced_at=announced_at)
        session.add(row)
    elif _aware(row.announced_at) > announced_at:
        return
    row.years = [year.model_dump(mode="json") for year in event.years]
    row.days = [day.model_dump(mode="json") for day in event.days]
    row.announced_at = announced_at


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for values stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
