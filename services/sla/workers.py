"""Durable timers: a background loop fires what is due, reading only due rows, on the sweeper's clock.

Each pass takes the rows whose `next_firing_at` has come (an index range scan: the cost grows with
the number due, not the number open), fires their stages in the same transaction as the outbox rows
that announce them, and moves `next_firing_at` on. A crash before the commit fires nothing; after
it, the fired keys are stored, so a restart repeats nothing. After downtime each deadline fires its
overdue stages once (stale warnings superseded, see domain.sweep), not a storm of reminders.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

from shared.consuming import Unit
from shared.db import SessionFactory
from services.sla import store
from services.sla.domain.rules import Rules
from services.sla.domain.schedule import Firing
from services.sla.store.cards import NewRows, fire_due
from services.sla.store.tracking import refresh

if TYPE_CHECKING:
    from services.sla.app import SlaRuntime

log = logging.getLogger(__name__)
RETRY_BROKEN_AFTER = timedelta(hours=1)

FIRED = Counter("bancheng_sla_firings_total", "Warnings and cards fired", ["stage"])
FIRING_LAG = Histogram(
    "bancheng_sla_firing_lag_seconds",
    "From a firing's instant to the commit that fires it",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 30, 300, 3600, 86400),
)


class Clock:
    """The sweeper's clock: real time, which tests (and only tests) may move forward or back."""

    def __init__(self, *, offset_s: float = 0.0, movable: bool = False) -> None:
        self._offset = timedelta(seconds=offset_s)
        self.movable = movable

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset_s(self) -> float:
        return self._offset.total_seconds()

    def set_now(self, instant: datetime) -> None:
        """Move the clock so that now() is `instant`; refused unless the clock is movable (tests)."""
        if not self.movable:
            raise PermissionError("the clock moves only when environment=test")
        self._offset = instant - datetime.now(UTC)


async def sweep_once(
    *, sessions: SessionFactory, rules: Rules, now: datetime, batch: int = 500
) -> list[float]:
    """Fire everything due at `now`, a batch per transaction; the lags (s) of what was fired."""
    lags: list[float] = []
    while True:
        async with sessions() as session, session.begin():
            rows = await store.due_deadlines(session, now=now, limit=batch)
            unit = Unit(session=session, service="sla")
            fired = []
            items = await store.supervision_of_deadlines(session, deadline_ids=[row.id for row in rows])
            new_rows = NewRows()
            for row in rows:
                fired += await _fire_one(unit, rules, row, now=now, item=items.get(row.id), new_rows=new_rows)
            await new_rows.write(unit)
        for firing in fired:
            FIRED.labels(firing.stage.value).inc()
            FIRING_LAG.observe(lag := (now - firing.at).total_seconds())
            lags.append(lag)
        if len(rows) < batch:
            return lags


async def _fire_one(
    unit: Unit, rules: Rules, row: store.Deadline, *, now: datetime, item: store.SupervisionItem | None,
    new_rows: NewRows,
) -> list[Firing]:
    """One row; a row whose schedule cannot be computed (its policy was removed) is put off, not fatal."""
    try:
        schedule = refresh(rules, row)
    except (LookupError, ValueError):
        log.exception("cannot compute deadline %s; trying again in %s", row.id, RETRY_BROKEN_AFTER)
        row.next_firing_at = now + RETRY_BROKEN_AFTER
        return []
    return await fire_due(unit, row, schedule, now=now, item=item, new_rows=new_rows)


async def sweep_deadlines(runtime: "SlaRuntime") -> None:
    """The Runtime background loop: sweep, wake the relay, sleep `sweep_interval_s`."""
    settings = runtime.settings
    while True:
        try:
            lags = await sweep_once(
                sessions=runtime.sessions,
                rules=runtime.rules,  # read each pass: a calendar reload replaces them
                now=runtime.clock.now(),
                batch=settings.sweep_batch,
            )
            if lags:
                runtime.relay.wake()
        except Exception:  # the next pass tries again; nothing was committed
            log.exception("deadline sweep failed")
        await asyncio.sleep(settings.sweep_interval_s)
