"""Audit's report routes: statistics, the assessment export and the high-frequency analysis."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from shared.auth.http import NARROWED, Authorize
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from services.audit import exports, reports
from services.audit.api import bad_request, case_filter, policy_at, run_query
from services.audit.domain.assessment import assess_tallies
from services.audit.domain.filters import FieldProblem
from services.audit.domain.frequency import PROBLEM_FIELDS, analyse_high_frequency, previous_months
from services.audit.domain.statistics import Dimension, Period, Rate, Tally

router = APIRouter(tags=["audit reports"])
ReportReader = Annotated[Principal, Authorize("report.read")]


def figures(tally: Tally) -> dict[str, Any]:
    rates = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
    rate_values: dict[str, Rate] = {name: getattr(tally, name) for name in rates}
    return {
        **{name: getattr(tally, name) for name in tally.__dataclass_fields__},
        "in_progress": tally.in_progress,
        **{name: {"numerator": r.numerator, "denominator": r.denominator, "percent": r.percent()} for name, r in rate_values.items()},
    }


@router.get("/statistics", openapi_extra=NARROWED)
async def statistics(
    request: Request, runtime: RuntimeDep, principal: ReportReader, by: Dimension | None = None,
    period: Period | None = None
) -> list[dict[str, Any]]:
    """Counts and the three 12345 rates (响应率, 解决率, 满意率), split by a dimension and/or a period."""
    found = case_filter(request, own=frozenset({"by", "period"}), principal=principal, permission="report.read")
    async with runtime.sessions() as session:
        tallies = await run_query(reports.statistics(session, found, dimension=by, period=period))
    return [{"by": by, "value": value, "period": label, **figures(tally)} for (value, label), tally in tallies.items()]


@router.get("/assessment", openapi_extra=NARROWED)
async def assessment(request: Request, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("report.export")],
                     format: str = "csv") -> Response:  # noqa: A002 - the query name
    """The assessment export (考核): one line per lead department with card deductions, as CSV or XLSX."""
    if format not in ("csv", "xlsx"):
        raise bad_request([FieldProblem("format", "must be csv or xlsx")])
    found = case_filter(request, own=frozenset({"format"}), principal=principal, permission="report.export")
    async with runtime.sessions() as session:
        tallies = await run_query(reports.statistics(session, found, dimension=Dimension.DEPARTMENT))
    lines = assess_tallies(tallies, policy=policy_at(runtime.settings.policy_path).assessment)
    if format == "csv":
        body, media = exports.to_csv(lines), "text/csv; charset=utf-8"
    else:
        body, media = exports.to_xlsx(lines, title="assessment"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="assessment.{format}"'})


@router.get("/analysis/high-frequency", openapi_extra=NARROWED)
async def high_frequency(
    request: Request,
    runtime: RuntimeDep,
    principal: ReportReader,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    group_by: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """High-frequency analysis (高频问题分析): recurring problems and the rising ones, for `month`."""
    group = tuple(group_by or PROBLEM_FIELDS)
    if set(group) - set(PROBLEM_FIELDS):
        raise bad_request([FieldProblem("group_by", f"must be drawn from {', '.join(PROBLEM_FIELDS)}")])
    found = case_filter(request, own=frozenset({"month", "group_by"}), principal=principal, permission="report.read")
    policy = policy_at(runtime.settings.policy_path).high_frequency
    months = [*previous_months(month, policy.lookback_months), month]
    async with runtime.sessions() as session:
        counts = await run_query(reports.problem_counts(session, found, months=months))
    report = analyse_high_frequency(counts, month=month, policy=policy, group_by=group)

    def trend(t: Any) -> dict[str, Any]:
        return dict(zip(group, t.problem, strict=True)) | {
            "current": t.current, "baseline": float(t.baseline), "total": t.total,
            "months_present": t.months_present, "rising": t.rising,
        }

    return {"month": report.month, "group_by": list(group), "recurring": [trend(t) for t in report.recurring],
            "rising": [trend(t) for t in report.rising]}
