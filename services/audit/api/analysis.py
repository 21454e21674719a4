"""`/analysis/high-frequency`: the high-frequency analysis (高频问题分析)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.audit.api.deps import FILTERED, PolicyDep, ReportReader, RuntimeDep, bad_request, case_filter, run_query
from services.audit.api.models import HighFrequencyReport, Trend
from services.audit.domain.filters import FieldProblem
from services.audit.domain.frequency import PROBLEM_FIELDS, analyse_high_frequency, previous_months
from services.audit.store import reports

router = APIRouter(tags=["audit reports"])


@router.get("/analysis/high-frequency", response_model=HighFrequencyReport, response_model_exclude_none=True,
            openapi_extra=FILTERED)
async def high_frequency(
    request: Request,
    runtime: RuntimeDep,
    policy: PolicyDep,
    principal: ReportReader,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    group_by: Annotated[list[str] | None, Query()] = None,
) -> HighFrequencyReport:
    """High-frequency analysis (高频问题分析): recurring problems and the rising ones, for `month`."""
    group = tuple(group_by or PROBLEM_FIELDS)
    if set(group) - set(PROBLEM_FIELDS):
        raise bad_request([FieldProblem("group_by", f"must be drawn from {', '.join(PROBLEM_FIELDS)}",
                                        f"只能取 {'、'.join(PROBLEM_FIELDS)}")])
    found = case_filter(request, own=frozenset({"month", "group_by"}), principal=principal, permission="report.read")
    thresholds = policy.high_frequency
    months = [*previous_months(month, thresholds.lookback_months), month]
    async with runtime.sessions() as session:
        counts = await run_query(reports.problem_counts(session, found, months=months))
    report = analyse_high_frequency(counts, month=month, policy=thresholds, group_by=group)

    def trend(t: Any) -> Trend:
        return Trend(**dict(zip(group, t.problem, strict=True)), current=t.current, baseline=float(t.baseline),
                     total=t.total, months_present=t.months_present, rising=t.rising)

    return HighFrequencyReport(month=report.month, group_by=list(group),
                               recurring=[trend(t) for t in report.recurring], rising=[trend(t) for t in report.rising])
