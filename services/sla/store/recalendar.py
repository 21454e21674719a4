"""A calendar update: find the open deadlines whose dates changed status, recompute and announce them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.consuming import Unit
from shared.db import SessionFactory
from shared.working_days import changed_days
from services.sla import store
from services.sla.domain.rules import Rules
from services.sla.store.tracking import announce, refresh

PAGE = 500


@dataclass(frozen=True)
class Recalculation:
    changed_days: dict[str, list[date]]  # by district
    recomputed: int  # open deadlines whose span covered a changed day
    rearmed: int  # of those, the ones whose due instant or assumed flag changed (announced)


async def recompute_open_deadlines(*, sessions: SessionFactory, old: Rules, new: Rules) -> Recalculation:
    async with sessions() as session:
        first, last = await store.open_calendar_span(session)
    if first is None or last is None:
        return Recalculation({}, 0, 0)
    changed = {
        district: days
        for district in new.policies
        if (days := changed_days(old.calendar(district), new.calendar(district), start=first, end=last))
    }
    all_days = sorted({d for days in changed.values() for d in days})
    recomputed = rearmed = 0
    after = ""
    while all_days:
        async with sessions() as session, session.begin():
            rows = await store.open_deadlines_over(
                session, first=all_days[0], last=all_days[-1], after_id=after, limit=PAGE
            )
            unit = Unit(session=session, service="sla")
            for row in rows:
                if row.calendar_first is None or not _covers(row, changed.get(row.district, ())):
                    continue
                before = (row.due_at, row.assumed_weekdays)
                refresh(new, row)
                recomputed += 1
                if (row.due_at, row.assumed_weekdays) != before:
                    rearmed += 1
                    await announce(unit, row, change="calendar_changed")
        if len(rows) < PAGE:
            break
        after = rows[-1].id
    return Recalculation({d: list(days) for d, days in changed.items()}, recomputed, rearmed)


def _covers(row: store.Deadline, days: Iterable[date]) -> bool:
    return any(row.calendar_first <= day <= row.calendar_last for day in days)  # type: ignore[operator]  # set: the caller checks
