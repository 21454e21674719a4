"""Audit's HTTP routes: a case's timeline, case search and the case library (案例库)."""

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from shared.auth.http import NARROWED, Authorize, forbidden, require
from shared.auth.policy import Scope, bounds
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from services.audit import log_store, search
from services.audit.domain.filters import CaseFilter, FieldProblem, InvalidFilterError, parse_case_filter
from services.audit.domain.fulltext import EmptyQueryError
from services.audit.domain.policy import AuditPolicy, load_policy

router = APIRouter(tags=["audit"])
PAGING = frozenset({"limit", "offset"})


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    source: str
    actor: str
    actor_detail: dict[str, Any] | None = None  # name, roles and org unit from the actor's token
    occurred_at: datetime
    data: dict[str, Any]


def bad_request(problems: list[FieldProblem]) -> HTTPException:
    """400 with one {field, message} per offending query parameter."""
    return HTTPException(400, detail=[{"field": p.field, "message": p.message} for p in problems])


def case_filter(request: Request, *, own: frozenset[str], principal: Principal, permission: str) -> CaseFilter:
    """The filter from every query parameter except the route's own `own` ones, kept within the principal's
    district (hall, department) for `permission`. Raises 400, or 403 for another unit's."""
    params = {name: request.query_params.getlist(name) for name in request.query_params if name not in own}
    try:
        found = parse_case_filter(params)
    except InvalidFilterError as error:
        raise bad_request(list(error.problems)) from error
    limits = bounds(principal, permission)
    kept: dict[str, tuple[str, ...]] = {}
    for name in ("district", "hall", "department"):
        limit = getattr(limits, name)
        if limit is None:
            continue
        if set(getattr(found, name)) - {limit}:
            raise forbidden(permission, f"{name} outside your own {limit!r}", f"无权查询其他单位的数据({name})")
        kept[name] = (limit,)
    return found.model_copy(update=kept)


@cache
def policy_at(path: Path) -> AuditPolicy:
    return load_policy(path)


async def run_query(coroutine: Any) -> Any:
    """Await a query built from a filter whose full-text part may be empty (only punctuation): 400."""
    try:
        return await coroutine
    except EmptyQueryError as error:
        raise bad_request([FieldProblem("text", str(error))]) from error


@router.get("/cases/{case_id}/timeline", response_model=list[TimelineEntry])
async def case_timeline(case_id: str, runtime: RuntimeDep,
                        principal: Annotated[Principal, Authorize("audit.timeline")]) -> list[dict[str, Any]]:
    """Every event of one case, in the order they occurred, each naming who acted."""
    async with runtime.sessions() as session:
        entries = await log_store.timeline(session, case_id=case_id)
    if entries:
        require(principal, "audit.timeline", Scope(district=entries[0]["district"]))
    return entries


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


@router.get("/cases", openapi_extra=NARROWED)
async def search_cases(request: Request, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("audit.search")],
                       limit: Limit = 50, offset: Offset = 0) -> list[dict[str, Any]]:
    """Cases in the caller's district matching the filters (hall, district, department, channel, kind, matter,
    state, card_colour, received_from, received_to, text), newest first."""
    found = case_filter(request, own=PAGING, principal=principal, permission="audit.search")
    async with runtime.sessions() as session:
        return await run_query(search.search_cases(session, found, limit=limit, offset=offset))


@router.get("/library", openapi_extra=NARROWED)
async def case_library(request: Request, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("library.read")],
                       limit: Limit = 50, offset: Offset = 0) -> list[dict[str, Any]]:
    """The case library (案例库): archived exemplary cases with their solution, open to every department."""
    found = case_filter(request, own=PAGING, principal=principal, permission="library.read")
    async with runtime.sessions() as session:
        return await run_query(search.search_cases(session, found, limit=limit, offset=offset, library_only=True))
