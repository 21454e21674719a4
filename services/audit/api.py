"""Audit's HTTP routes: a case's timeline, case search and the case library (案例库)."""

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, JsonValue

from shared.api_models import MAX_LIMIT, Offset, Page, UtcDateTime, page_of, slice_page
from shared.auth.http import NARROWED, Authorize, forbidden, require
from shared.auth.policy import Scope, bounds
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from shared.problems import FieldError, ProblemError, invalid
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
    actor_detail: dict[str, JsonValue] | None = Field(
        default=None, description="The actor's name, roles and org unit, as its token named them")
    occurred_at: UtcDateTime
    data: dict[str, JsonValue] = Field(description="The event's data, as its type defines it (docs/asyncapi.json)")


class CaseSummary(BaseModel):
    """A case as the audit's read model knows it (no personal data)."""

    case_id: str
    case_number: str | None
    received_at: UtcDateTime | None
    hall: str | None
    district: str | None
    department: str | None
    channel: str | None
    kind: str | None
    matter: str | None
    state: str | None
    yellow_cards: int
    red_cards: int
    returns: int
    extensions: int
    satisfaction: str | None
    description: str
    exemplary: bool


class LibraryCase(CaseSummary):
    """A case of the case library (案例库): with its solution and every reply."""

    solution: str
    replies: str


def bad_request(problems: list[FieldProblem]) -> ProblemError:
    """422 naming each offending query parameter."""
    return invalid(*(FieldError(field=p.field, zh=f"{p.field}:{p.zh}", en=f"{p.field}: {p.message}") for p in problems))


def case_filter(request: Request, *, own: frozenset[str], principal: Principal, permission: str) -> CaseFilter:
    """The filter from every query parameter except the route's own `own` ones, kept within the principal's
    district (hall, department) for `permission`. Raises 422, or 403 for another unit's."""
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
    """Await a query built from a filter whose full-text part may be empty (only punctuation): 422."""
    try:
        return await coroutine
    except EmptyQueryError as error:
        raise bad_request([FieldProblem("text", str(error), "没有可检索的文字(只有标点或空格)")]) from error


@router.get("/cases/{case_id}/timeline", response_model=Page[TimelineEntry])
async def case_timeline(case_id: str, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("audit.timeline")],
                        offset: Offset = 0,
                        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT) -> Page[TimelineEntry]:
    """Every event of one case, in the order they occurred, each naming who acted."""
    async with runtime.sessions() as session:
        entries = await log_store.timeline(session, case_id=case_id)
    if entries:
        require(principal, "audit.timeline", Scope(district=entries[0]["district"]))
    return slice_page([TimelineEntry.model_validate(e) for e in entries], offset=offset, limit=limit)


SearchLimit = Annotated[int, Query(ge=1, le=500)]


@router.get("/cases", response_model=Page[CaseSummary], openapi_extra=NARROWED)
async def search_cases(request: Request, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("audit.search")],
                       limit: SearchLimit = 50, offset: Offset = 0) -> Page[CaseSummary]:
    """Cases in the caller's district matching the filters (hall, district, department, channel, kind, matter,
    state, card_colour, received_from, received_to, text), newest first."""
    found = case_filter(request, own=PAGING, principal=principal, permission="audit.search")
    async with runtime.sessions() as session:
        rows = await run_query(search.search_cases(session, found, limit=limit + 1, offset=offset))
    return page_of([CaseSummary.model_validate(r) for r in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)


@router.get("/library", response_model=Page[LibraryCase], openapi_extra=NARROWED)
async def case_library(request: Request, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("library.read")],
                       limit: SearchLimit = 50, offset: Offset = 0) -> Page[LibraryCase]:
    """The case library (案例库): archived exemplary cases with their solution, open to every department."""
    found = case_filter(request, own=PAGING, principal=principal, permission="library.read")
    async with runtime.sessions() as session:
        rows = await run_query(search.search_cases(session, found, limit=limit + 1, offset=offset, library_only=True))
    return page_of([LibraryCase.model_validate(r) for r in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)
