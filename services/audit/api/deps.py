"""What audit's routes depend on: typed `Annotated` aliases, and the case filter every search and report reads."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Query, Request

from shared.auth.http import NARROWED, Authorize, forbidden
from shared.auth.policy import bounds
from shared.auth.principal import Principal
from shared.health import get_runtime
from shared.problems import FieldError, ProblemError, invalid
from services.audit.config import AuditSettings
from services.audit.domain.filters import CaseFilter, FieldProblem, InvalidFilterError, parse_case_filter
from services.audit.domain.fulltext import EmptyQueryError
from services.audit.domain.policy import AuditPolicy

if TYPE_CHECKING:
    from services.audit.app import AuditRuntime

__all__ = ["FILTERED", "PAGING", "PolicyDep", "ReportReader", "RuntimeDep", "SearchLimit", "SettingsDep", "bad_request",
           "case_filter", "run_query"]

PAGING = frozenset({"limit", "offset"})
SearchLimit = Annotated[int, Query(ge=1, le=500)]
ReportReader = Annotated[Principal, Authorize("report.read")]
RuntimeDep = Annotated["AuditRuntime", Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> AuditSettings:
    """The settings the runtime was built with."""
    return runtime.settings


SettingsDep = Annotated[AuditSettings, Depends(get_settings)]


async def get_policy(runtime: RuntimeDep) -> AuditPolicy:
    """The policy read when the runtime was built."""
    return runtime.policy


PolicyDep = Annotated[AuditPolicy, Depends(get_policy)]


def _inlined(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inlined(definitions[node["$ref"].rsplit("/", 1)[1]], definitions)
        return {key: _inlined(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(item, definitions) for item in node]
    return node


def _filter_parameters() -> list[dict[str, Any]]:
    """The case filter's query parameters as the API document declares them (`case_filter` reads them off the
    request, so FastAPI does not see them): a repeated parameter matches any of its values."""
    schema = CaseFilter.model_json_schema()
    definitions = schema.get("$defs", {})
    return [{"name": name, "in": "query", "required": False, "style": "form", "explode": True,
             "description": field.get("description", "any of the values"),
             "schema": _inlined({k: v for k, v in field.items() if k not in ("title", "default")}, definitions)}
            for name, field in schema["properties"].items()]


# A route narrowed to the caller's units (`x-scope`) that takes the case filter.
FILTERED = {**NARROWED, "parameters": _filter_parameters()}


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


async def run_query(coroutine: Any) -> Any:
    """Await a query built from a filter whose full-text part may be empty (only punctuation): 422."""
    try:
        return await coroutine
    except EmptyQueryError as error:
        raise bad_request([FieldProblem("text", str(error), "没有可检索的文字(只有标点或空格)")]) from error
