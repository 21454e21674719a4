"""`/statistics`: counts and the 12345 rates."""

from typing import Any

from fastapi import APIRouter, Request

from shared.api_models import MAX_LIMIT, Limit, Offset, Page, slice_page
from services.audit.api.deps import FILTERED, ReportReader, RuntimeDep, case_filter, run_query
from services.audit.api.models import StatisticsRow
from services.audit.domain.statistics import Dimension, Period, Rate, Tally
from services.audit.store import reports

router = APIRouter(tags=["audit reports"])


def figures(tally: Tally) -> dict[str, Any]:
    rates = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
    rate_values: dict[str, Rate] = {name: getattr(tally, name) for name in rates}
    return {
        **{name: getattr(tally, name) for name in tally.__dataclass_fields__},
        "in_progress": tally.in_progress,
        "cases": tally.cases,
        **{name: {"numerator": r.numerator, "denominator": r.denominator, "percent": r.percent()}
           for name, r in rate_values.items()},
    }


@router.get("/statistics", response_model=Page[StatisticsRow], openapi_extra=FILTERED)
async def statistics(
    request: Request, runtime: RuntimeDep, principal: ReportReader, by: Dimension | None = None,
    period: Period | None = None, offset: Offset = 0, limit: Limit = MAX_LIMIT,
) -> Page[StatisticsRow]:
    """Counts and the three 12345 rates (响应率, 解决率, 满意率), split by a dimension and/or a period."""
    found = case_filter(request, own=frozenset({"by", "period", "offset", "limit"}), principal=principal,
                        permission="report.read")
    async with runtime.sessions() as session:
        tallies = await run_query(reports.statistics(session, found, dimension=by, period=period))
    rows = [StatisticsRow.model_validate({"by": by, "value": value, "period": label, **figures(tally)})
            for (value, label), tally in tallies.items()]
    return slice_page(rows, offset=offset, limit=limit)
