"""`/library`: the case library (案例库)."""

from typing import Annotated

from fastapi import APIRouter, Request

from shared.api_models import Offset, Page, page_of
from shared.auth.http import Authorize
from shared.auth.principal import Principal
from services.audit.api.deps import FILTERED, PAGING, RuntimeDep, SearchLimit, case_filter, run_query
from services.audit.api.models import LibraryCase
from services.audit.store import search

router = APIRouter(tags=["audit"])


@router.get("/library", response_model=Page[LibraryCase], openapi_extra=FILTERED)
async def case_library(request: Request, runtime: RuntimeDep,
                       principal: Annotated[Principal, Authorize("library.read")],
                       limit: SearchLimit = 50, offset: Offset = 0) -> Page[LibraryCase]:
    """The case library (案例库): archived exemplary cases with their solution, open to every department."""
    found = case_filter(request, own=PAGING, principal=principal, permission="library.read")
    async with runtime.sessions() as session:
        rows = await run_query(search.search_cases(session, found, limit=limit + 1, offset=offset, library_only=True))
    return page_of([LibraryCase.model_validate(r) for r in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)
