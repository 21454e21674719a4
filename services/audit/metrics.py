"""The assessment's figures as Prometheus gauges, recomputed in the background for the current month."""

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import Gauge

from shared.clock import local_time
from services.audit.domain.assessment import assess_tallies
from services.audit.domain.filters import CaseFilter
from services.audit.domain.statistics import Dimension, Period, Tally, period_label
from services.audit.store import reports

if TYPE_CHECKING:
    from services.audit.app import AuditRuntime

log = logging.getLogger(__name__)
LABELS = ["dimension", "value", "month"]
CASES = Gauge("bancheng_audit_cases", "Cases of the current month by figure", [*LABELS, "figure"])
RATES = Gauge("bancheng_audit_rate_percent", "The 12345 rates of the current month", [*LABELS, "rate"])
SCORE = Gauge("bancheng_audit_assessment_score", "A department's assessment score this month", ["department", "month"])
DEDUCTION = Gauge("bancheng_audit_card_deduction", "Points deducted for cards this month", ["department", "month"])
DIMENSIONS = (Dimension.DISTRICT, Dimension.HALL, Dimension.DEPARTMENT, Dimension.CHANNEL, Dimension.KIND)
RATE_NAMES = ("response_rate", "resolution_rate", "satisfaction_rate")


def _publish(dimension: Dimension, value: str, month: str, tally: Tally) -> None:
    for figure in tally.__dataclass_fields__:
        CASES.labels(dimension, value, month, figure).set(getattr(tally, figure))
    for name in RATE_NAMES:
        percent = getattr(tally, name).percent()
        if percent is not None:  # no gauge rather than a misleading 0% when nothing was rated
            RATES.labels(dimension, value, month, name).set(percent)


async def refresh_gauges(runtime: "AuditRuntime", *, now: datetime) -> None:
    local = local_time(now, field="now")
    month = period_label(now, Period.MONTH)
    this_month = CaseFilter(received_from=local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    async with runtime.sessions() as session:
        for dimension in DIMENSIONS:
            tallies = await reports.statistics(session, this_month, dimension=dimension)
            for (value, _), tally in tallies.items():
                if value is not None:
                    _publish(dimension, value, month, tally)
            if dimension is Dimension.DEPARTMENT:
                for line in assess_tallies(tallies, policy=runtime.policy.assessment):
                    SCORE.labels(line.department, month).set(float(line.score))
                    DEDUCTION.labels(line.department, month).set(float(line.deduction))


async def publish_assessment_gauges(runtime: "AuditRuntime") -> None:
    """Runtime background loop: one pass now, then every `metrics_interval_s`; a failed pass is logged."""
    while True:
        try:
            await refresh_gauges(runtime, now=datetime.now(UTC))
        except Exception:  # the next pass may succeed (database back)
            log.exception("assessment gauges not refreshed")
        await asyncio.sleep(runtime.settings.metrics_interval_s)
