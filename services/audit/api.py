"""Audit's HTTP routes: a case's timeline, case search and the case library (案例库)."""

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, JsonValue

from shared.api_models import MAX_LIMIT, Offset, Page, UtcDateTime, page_of, slice_page
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


def case_filter(request: Request, *, own: frozenset[str]) -> CaseFilter:
    """The filter from every query parameter except the route's own `own` ones. Raises 422."""
    params = {name: request.query_params.getlist(name) for name in request.query_params if name not in own}
    try:
        return parse_case_filter(params)
    except InvalidFilterError as error:
        raise bad_request(list(error.problems)) from error


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
async def case_timeline(case_id: str, runtime: RuntimeDep, offset: Offset = 0,
                        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT) -> Page[TimelineEntry]:
    """Every event of one case, in the order they occurred."""
    async with runtime.sessions() as session:
        entries = await log_store.timeline(session, case_id=case_id)
    return slice_page([TimelineEntry.model_validate(e) for e in entries], offset=offset, limit=limit)


SearchLimit = Annotated[int, Query(ge=1, le=500)]


@router.get("/cases", response_model=Page[CaseSummary])
async def search_cases(request: Request, runtime: RuntimeDep, limit: SearchLimit = 50,
                       offset: Offset = 0) -> Page[CaseSummary]:
    """Cases matching the filters (hall, district, department, channel, kind, matter, state, card_colour,
    received_from, received_to, text), newest first."""
    found = case_filter(request, own=PAGING)
    async with runtime.sessions() as session:
        rows = await run_query(search.search_cases(session, found, limit=limit + 1, offset=offset))
    return page_of([CaseSummary.model_validate(r) for r in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)


@router.get("/library", response_model=Page[LibraryCase])
async def case_library(request: Request, runtime: RuntimeDep, limit: SearchLimit = 50,
                       offset: Offset = 0) -> Page[LibraryCase]:
    """The case library (案例库): archived exemplary cases with their solution, open to every department."""
    found = case_filter(request, own=PAGING)
    async with runtime.sessions() as session:
        rows = await run_query(search.search_cases(session, found, limit=limit + 1, offset=offset, library_only=True))
    return page_of([LibraryCase.model_validate(r) for r in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)
