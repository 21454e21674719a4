"""Cases the pipeline may have dropped, as a gauge: forwarded (登记转发) more than `stuck_after_s` ago,
and no work order for them heard of from routing. Sampled every `gauge_interval_s`.

A case routing put in manual triage has no work order yet either: it counts here until staff assign it,
and the alert subtracts routing's queues (deploy/prometheus/alerts.yml). A reopened case forwarded
again keeps its earlier work orders and is not counted. Staff see the same cases in `GET /queues/stuck`,
each with its reason (domain/queues.py).
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import select

from shared.pipeline_gauges import sampled, set_counts
from services.intake.domain.queues import stuck_before
from services.intake.store import Case, stuck_condition

if TYPE_CHECKING:
    from services.intake.app import IntakeRuntime

STUCK = Gauge(
    "bancheng_intake_stuck_cases",
    "Cases forwarded longer ago than stuck_after_s with no work order heard of, by district",
    ["district"],
)


async def refresh_gauges(runtime: "IntakeRuntime") -> None:
    before = stuck_before(datetime.now(UTC), runtime.settings.stuck_after_s)
    async with runtime.sessions() as session:
        rows = (await session.exec(
            select(Case.district, func.count()).where(stuck_condition(before)).group_by(Case.district))).all()
    set_counts(STUCK, {(district,): count for district, count in rows}, [(runtime.settings.district,)])


publish_intake_gauges = sampled(refresh_gauges, name="intake gauges")
