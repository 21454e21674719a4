"""The SLA figures an operator watches, as gauges sampled every `gauge_interval_s`: open deadlines and
open cards by district, how late the oldest due firing is, and whether next year's working-day
calendar is known (a December chore: the State Council publishes the holidays late in the year);
and the count of schedules that assumed weekdays over a year the calendar does not know."""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge
from sqlalchemy import func
from sqlmodel import col, select

from shared.pipeline_gauges import sampled, set_counts
from services.sla import store
from services.sla.domain.supervision import CardColour

if TYPE_CHECKING:
    from services.sla.app import SlaRuntime

log = logging.getLogger(__name__)
LIVE_STATES = ("waiting", "open")

DEADLINES = Gauge("bancheng_sla_deadlines", "Deadlines not yet closed, by district and state", ["district", "state"])
CARDS = Gauge(
    "bancheng_sla_cards", "Supervision items (督办) of deadlines not yet closed, by colour", ["district", "colour"]
)
FIRING_OVERDUE = Gauge(
    "bancheng_sla_firing_overdue_seconds", "How long the oldest due warning or card has waited to fire (0: none due)"
)
NEXT_YEAR_KNOWN = Gauge(
    "bancheng_sla_calendar_next_year_known", "1 when every district's working-day calendar knows next year, else 0"
)
ASSUMED_SCHEDULES = Counter(
    "bancheng_sla_assumed_weekday_schedules_total",
    "Deadlines computed over a year the calendar does not know (weekdays assumed)",
    ["year"],
)
_years_logged: set[int] = set()


def report_assumed(years: Iterable[int], *, subject_id: str, overrides_path: object) -> None:
    """Count a schedule that assumed weekdays for `years`, and log each year once per process."""
    for year in years:
        ASSUMED_SCHEDULES.labels(str(year)).inc()
        if year not in _years_logged:
            _years_logged.add(year)
            log.warning(
                "working-day calendar does not know %s: weekdays assumed (first for %s); "
                "add the year to %s and POST /calendar/reload",
                year,
                subject_id,
                overrides_path,
            )


async def refresh_gauges(runtime: "SlaRuntime") -> None:
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        deadlines = (await session.exec(
            select(store.Deadline.district, store.Deadline.state, func.count())
            .where(col(store.Deadline.state).in_(LIVE_STATES))
            .group_by(store.Deadline.district, store.Deadline.state)
        )).all()
        cards = (await session.exec(
            select(store.SupervisionItem.district, store.SupervisionItem.colour, func.count())
            .join(store.Deadline, col(store.Deadline.id) == store.SupervisionItem.deadline_id)
            .where(col(store.Deadline.state).in_(LIVE_STATES))
            .group_by(store.SupervisionItem.district, store.SupervisionItem.colour)
        )).all()
        oldest_due = (await session.exec(
            select(func.min(store.Deadline.next_firing_at)).where(col(store.Deadline.next_firing_at) <= now)
        )).one()
    districts = list(runtime.rules.policies)
    set_counts(DEADLINES, {(district, state): count for district, state, count in deadlines},
               [(district, state) for district in districts for state in LIVE_STATES])
    set_counts(CARDS, {(district, colour): count for district, colour, count in cards},
               [(district, colour.value) for district in districts for colour in CardColour])
    overdue = (now - _aware(oldest_due, now)).total_seconds() if oldest_due is not None else 0.0
    FIRING_OVERDUE.set(max(overdue, 0.0))
    NEXT_YEAR_KNOWN.set(0 if now.year + 1 in runtime.rules.unknown_years_ahead(now.date()) else 1)


def _aware(moment: datetime, like: datetime) -> datetime:
    # SQLite returns naive datetimes for values stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


publish_sla_gauges = sampled(refresh_gauges, name="sla gauges")
