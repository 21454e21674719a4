"""Keeping a deadline row in step with its schedule, and announcing every change on the SLA stream.

The row stores what the schedule is computed from (clock start, pauses, extension days) and which
firings are done; `refresh` recomputes the schedule with the district's rules and sets the derived
columns, `next_firing_at` above all. Everything here runs inside the caller's transaction.
"""

from datetime import datetime

from shared.consuming import Unit
from shared.events.base import Event
from shared.events.sla import DeadlineArmed, DeadlineClosed, DeadlinePaused
from shared.topics import SLA_EVENTS
from services.sla import metrics
from services.sla.domain.rules import Rules
from services.sla.domain.schedule import Schedule, compute_schedule
from services.sla.domain.sweep import next_firing_at
from services.sla.domain.working_time import Pause
from services.sla.store.tables import Deadline

LIVE = ("open", "waiting")


def pauses_of(row: Deadline) -> list[Pause]:
    return [
        Pause(
            started_at=datetime.fromisoformat(p["started_at"]),
            ended_at=datetime.fromisoformat(p["ended_at"]) if p["ended_at"] else None,
            reason=p["reason"],
        )
        for p in row.pauses
    ]


def schedule_of(rules: Rules, row: Deadline) -> Schedule:
    """The row's schedule under the current rules; raises UnknownTier / UnknownDistrict."""
    assert row.clock_started_at is not None, "a waiting deadline has no schedule"
    return compute_schedule(
        clock_started_at=row.clock_started_at,
        tier=row.tier,
        policy=rules.policy(row.district, row.pack_version),
        calendar=rules.calendar(row.district),
        pauses=pauses_of(row),
        extension_working_days=row.extension_working_days,
    )


def refresh(rules: Rules, row: Deadline) -> Schedule:
    """Recompute the schedule and set the row's derived columns from it."""
    schedule = schedule_of(rules, row)
    row.due_at = schedule.due_at
    row.paused = schedule.paused
    row.assumed_weekdays = schedule.assumed_weekdays
    row.calendar_first, row.calendar_last = schedule.calendar_span
    row.next_firing_at = next_firing_at(schedule=schedule, fired=row.fired) if row.state == "open" else None
    if schedule.assumed_years:
        metrics.report_assumed(schedule.assumed_years, subject_id=row.subject_id, overrides_path=rules.overrides_path)
    return schedule


async def start_clock(unit: Unit, rules: Rules, row: Deadline, *, at: datetime, by: str) -> None:
    """Start (or restart, e.g. at sign-for) the clock and announce the deadline."""
    change = None if row.state == "waiting" or row.clock_started_at is None else by
    row.clock_started_at, row.clock_start, row.state = at, by, "open"
    refresh(rules, row)
    await announce(unit, row, change=change)


async def announce(unit: Unit, row: Deadline, *, change: str | None) -> None:
    """DeadlineArmed with the row's current due instant (None while paused)."""
    await emit(
        unit,
        row,
        DeadlineArmed(
            subject=row.subject,
            subject_id=row.subject_id,
            department=row.department,
            tier=row.tier,
            due_at=row.due_at,
            assumed_weekdays=row.assumed_weekdays,
            change=change,
            extension_working_days=row.extension_working_days,
        ),
    )


async def pause(unit: Unit, rules: Rules, row: Deadline, *, at: datetime, reason: str) -> None:
    if row.state != "open" or any(p["ended_at"] is None for p in row.pauses):
        return  # not running, or already paused: a second pause notice changes nothing
    row.pauses = [*row.pauses, {"started_at": at.isoformat(), "ended_at": None, "reason": reason}]
    refresh(rules, row)
    await emit(unit, row, DeadlinePaused(subject=row.subject, subject_id=row.subject_id, reason=reason))


async def resume(unit: Unit, rules: Rules, row: Deadline, *, at: datetime) -> None:
    if row.state != "open" or not any(p["ended_at"] is None for p in row.pauses):
        return
    kept = []
    for p in row.pauses:
        if p["ended_at"] is None:
            if at <= datetime.fromisoformat(p["started_at"]):
                continue  # resumed at the instant it paused: no time to give back
            p = {**p, "ended_at": at.isoformat()}
        kept.append(p)
    row.pauses = kept
    refresh(rules, row)
    await announce(unit, row, change="resumed")


async def extend(unit: Unit, rules: Rules, row: Deadline, *, working_days: int) -> None:
    row.extension_working_days += working_days
    refresh(rules, row)
    await announce(unit, row, change="extended")


async def close(unit: Unit, row: Deadline, *, at: datetime) -> None:
    """Answered: the timers stop; on time if answered by the deadline (or while it was paused)."""
    if row.state not in LIVE:
        return
    row.on_time = row.due_at is None or at <= row.due_at
    row.state, row.closed_at, row.next_firing_at = "closed", at, None
    closed = DeadlineClosed(
        subject=row.subject, subject_id=row.subject_id, department=row.department, on_time=row.on_time
    )
    await emit(unit, row, closed)


async def emit(unit: Unit, row: Deadline, event: Event) -> None:
    """Stage `event` on the SLA stream, addressed to the row's case, district and hall.

    Without autoflush: on PostgreSQL staging runs a NOTIFY, and a flush before each one would scan
    every object of a 500-row sweep again (quadratic); everything is flushed once at commit.
    """
    with unit.session.no_autoflush:
        await unit.emit(event, topic=SLA_EVENTS, case_id=row.case_id, district=row.district, hall=row.hall)
