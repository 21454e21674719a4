"""Cases the pipeline may have dropped, as a gauge: forwarded (登记转发) more than `stuck_after_s` ago,
and no work order for them heard of from routing. Sampled every `gauge_interval_s`.

A case routing put in manual triage has no work order yet either: it counts here until staff assign it,
and the alert subtracts routing's queues (deploy/prometheus/alerts.yml). A reopened case forwarded
again keeps its earlier work orders and is not counted.
"""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import Gauge
from sqlalchemy import exists, func
from sqlmodel import col, select

from shared.pipeline_gauges import sampled, set_counts
from services.intake.domain.lifecycle import CaseState
from services.intake.store import Case, CaseWorkOrder

if TYPE_CHECKING:
    from services.intake.app import IntakeRuntime

STUCK = Gauge(
    "bancheng_intake_stuck_cases",
    "Cases forwarded longer ago than stuck_after_s with no work order heard of, by district",
    ["district"],
)


async def refresh_gauges(runtime: "IntakeRuntime") -> None:
    before = datetime.now(UTC) - timedelta(seconds=runtime.settings.stuck_after_s)
    served = exists().where(CaseWorkOrder.case_id == Case.id)
    async with runtime.sessions() as session:
        rows = (await session.exec(
            select(Case.district, func.count())
            .where(Case.state == CaseState.dispatched.value, col(Case.updated_at) < before, ~served)
            .group_by(Case.district)
        )).all()
    set_counts(STUCK, {(district,): count for district, count in rows}, [(runtime.settings.district,)])


publish_intake_gauges = sampled(refresh_gauges, name="intake gauges")
