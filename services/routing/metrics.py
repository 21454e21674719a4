"""The queues people work through, as gauges: cases waiting in manual triage (人工研判) and in the
supervisor queue (bounced between departments), by district; sampled every `gauge_interval_s`."""

from typing import TYPE_CHECKING

from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import col, select

from shared.pipeline_gauges import sampled, set_counts
from services.routing.store.tables import RoutedCase

if TYPE_CHECKING:
    from shared.runtime import Runtime

QUEUES = ("manual_triage", "supervisor")
QUEUED = Gauge(
    "bancheng_routing_queued_cases", "Cases waiting for a person, by district and queue", ["district", "queue"]
)


async def refresh_gauges(runtime: "Runtime") -> None:
    async with runtime.sessions() as session:
        rows = (await session.exec(
            select(RoutedCase.district, RoutedCase.state, func.count())
            .where(col(RoutedCase.state).in_(QUEUES))
            .group_by(RoutedCase.district, RoutedCase.state)
        )).all()
    district = runtime.settings.district
    set_counts(QUEUED, {(d, state): count for d, state, count in rows}, [(district, queue) for queue in QUEUES])


publish_routing_gauges = sampled(refresh_gauges, name="routing gauges")
