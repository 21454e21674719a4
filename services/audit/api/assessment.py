"""`/assessment`: the assessment export (考核)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response

from shared.auth.http import Authorize
from shared.auth.principal import Principal
from services.audit.api.deps import FILTERED, PolicyDep, RuntimeDep, case_filter, run_query
from services.audit.domain import exports
from services.audit.domain.assessment import assess_tallies
from services.audit.domain.statistics import Dimension
from services.audit.store import reports

router = APIRouter(tags=["audit reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_EXPORTS = {"text/csv": {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}}}


@router.get("/assessment", response_class=Response, openapi_extra=FILTERED,
            responses={200: {"content": _EXPORTS, "description": "The export"}})
async def assessment(request: Request, runtime: RuntimeDep, policy: PolicyDep,
                     principal: Annotated[Principal, Authorize("report.export")],
                     format: Literal["csv", "xlsx"] = "csv") -> Response:  # `format`: the query parameter's name
    """The assessment export (考核): one line per lead department with card deductions, as CSV or XLSX."""
    found = case_filter(request, own=frozenset({"format"}), principal=principal, permission="report.export")
    async with runtime.sessions() as session:
        tallies = await run_query(reports.statistics(session, found, dimension=Dimension.DEPARTMENT))
    lines = assess_tallies(tallies, policy=policy.assessment_for(found.district))
    if format == "csv":
        body, media = exports.to_csv(lines), "text/csv; charset=utf-8"
    else:
        body, media = exports.to_xlsx(lines, title="assessment"), XLSX
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="assessment.{format}"'})
