"""`/cases`: a case's timeline, and case search."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from shared.api_models import MAX_LIMIT, Offset, Page, page_of, slice_page
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from services.audit.api.deps import FILTERED, PAGING, RuntimeDep, SearchLimit, case_filter, run_query
from services.audit.api.models import CaseSummary, TimelineEntry
from services.audit.store import audit_log, search

router = APIRouter(tags=["audit"])


@router.get("/cases/{case_id}/timeline", response_model=Page[TimelineEntry])
async def case_timeline(case_id: str, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("audit.timeline")],
                        offset: Offset = 0,
                        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT) -> Page[TimelineEntry]:
    """Every event of one case, in the order they occurred, each naming who acted."""
    async with runtime.sessions() as session:
        entries = await audit_log.timeline(session, case_id=case_id)
    if entries:
        require(principal, "audit.timeline", Scope(district=entries[0]["district"]))
    return slice_page([TimelineEntry.model_validate(e) for e in entries], offset=offset, limit=limit)


@router.get("/cases", response_model=Page[CaseSummary], openapi_extra=FILTERED)
async def search_cases(request: Request, runtime: RuntimeDep,
                       principal: Annotated[Principal, Authorize("audit.search")],
                       limit: SearchLimit = 50, offset: Offset = 0) -> Page[CaseSummary]:
    """Cases in the caller's district matching the filters (hall, district, department, channel, kind, matter,
    state, card_colour, received_from, received_to, text), newest first."""
    found = case_filter(request, own=PAGING, principal=principal, permission="audit.search")
    async with runtime.sessions() as session:
        rows = await run_query(search.search_cases(session, found, limit=limit + 1, offset=offset))
    return page_of([CaseSummary.model_validate(r) for r in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)
