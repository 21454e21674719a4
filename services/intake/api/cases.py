"""Intake's HTTP routes for staff under /cases: register cases, read and count them, move them through the
lifecycle."""

import email.message
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError

from shared import tracing
from shared.auth.http import bounded, require
from shared.auth.policy import Scope
from shared.consuming import Unit
from shared.masking import mask_text
from services.intake import store
from services.intake.api.deps import (
    CaseActor,
    CaseCounter,
    CaseReader,
    IdempotencyKey,
    Registrar,
    RuntimeDep,
    load_case,
    require_case,
    respond,
    sees_personal_data,
)
from services.intake.api.errors import case_not_found
from services.intake.api.models import CasePublic
from services.intake.commands import ActionIn, CaseCreate, Origin
from services.intake.domain.errors import InvalidInput
from services.intake.domain.registration import validate_registration
from services.intake.store.actions import act_on_case
from services.intake.store.idempotency import claim_for, run_once, stored_answer
from services.intake.store.registration_batch import PendingRegistration
from services.intake.store.views import case_view

router = APIRouter(prefix="/cases", tags=["cases"])

_CASE_CREATE = TypeAdapter(CaseCreate)
_HEADERS = {"Idempotency-Key": TypeAdapter(IdempotencyKey)}
# The body and headers are parsed in the route (`parse_json_request`, below), so FastAPI does not see them:
# the API document is given them here. The body's nested models are referenced where they sit.
_DEFS_HERE = "#/paths/~1cases/post/requestBody/content/application~1json/schema/$defs/{model}"
_REGISTER_DOCUMENT = {
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": CaseCreate.model_json_schema(ref_template=_DEFS_HERE)}}},
    "parameters": [{"name": name, "in": "header", "required": False, "schema": adapter.json_schema()}
                   for name, adapter in _HEADERS.items()],
}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CasePublic, openapi_extra=_REGISTER_DOCUMENT)
async def register(request: Request, principal: Registrar) -> Response:
    """Register a case (登记) at the clerk's own hall; with `forward`, also accept it and forward it (登记转发)."""
    case_in, headers = await parse_json_request(request, body=_CASE_CREATE, headers=_HEADERS)
    idempotency_key = headers["Idempotency-Key"]
    # Off the request, not as RuntimeDep: one dependency fewer for FastAPI to solve on the registration path.
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    # Keys are the caller's own: another principal's key never replays its answer.
    claim = claim_for(key=idempotency_key, scope=f"POST /cases by {principal.actor}", body=case_in)
    try:
        valid = validate_registration(catalogue=runtime.catalogue, case_in=case_in, now=now)
    except InvalidInput:
        replay = await stored_answer(runtime, claim) if claim is not None else None
        if replay is None:
            raise
        return respond(replay)  # the first request was valid then: answer as it was answered
    require(principal, "case.register", Scope(district=valid.district.code, hall=valid.hall.code))
    origin = Origin(actor=principal.actor, actor_detail=principal.actor_detail, trace_context=tracing.current())
    pending = PendingRegistration(valid=valid, origin=origin, now=now, claim=claim)
    try:
        answer = await runtime.registrations.submit(pending)
    except IntegrityError:
        # Another intake process (PostgreSQL) committed the same key first: answer as it did.
        answer = await stored_answer(runtime, claim) if claim is not None else None
        if answer is None:
            raise
    return respond(answer)


@router.get("/counts")
async def counts(runtime: RuntimeDep, principal: CaseCounter, district: str | None = None) -> dict[str, int]:
    """Cases by state in the caller's district (out-of-scope referrals are counted like every other case)."""
    scope = bounded(principal, "case.count", district=district)
    async with runtime.sessions() as session:
        return await store.count_by_state(session, district=scope["district"])


@router.get("/{case_id}", response_model=CasePublic)
async def read_case(case_id: str, runtime: RuntimeDep, principal: CaseReader) -> dict[str, Any]:
    """One case with its history, missing items, batch items, attachments, work orders and cards."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise case_not_found(case_id)
        require_case(principal, "case.read", case)
        body = await case_view(session, case, stuck_after_s=runtime.settings.stuck_after_s)
    if not sees_personal_data(principal, case):  # file names often hold a name or an ID number
        body["attachments"] = [{**a, "file_name": mask_text(a["file_name"])} for a in body["attachments"]]
    return body


@router.post("/{case_id}/actions", response_model=CasePublic)
async def act(
    case_id: str, action_in: ActionIn, runtime: RuntimeDep, principal: CaseActor,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """One lifecycle step; 409 names the actions allowed now when the state forbids it."""
    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id, principal=principal, permission="case.act")
        await act_on_case(unit, case=case, action_in=action_in, actor=principal.actor, now=datetime.now(UTC))
        return status.HTTP_200_OK, await case_view(unit.session, case, stuck_after_s=runtime.settings.stuck_after_s)

    return respond(await run_once(runtime, key=idempotency_key, scope=f"POST /cases/{case_id}/actions",
                                  payload=action_in.model_dump(mode="json"), work=work, acting=principal))


# A JSON body and headers read off a plain `Request`, refused with the 422 FastAPI would give.
#
# Why: on `POST /cases` FastAPI's parameter machinery (solving the dependencies, `json.loads` of the
# body, then validating the dict) cost more than the parsing itself. Here the raw body goes through
# pydantic's JSON parser in one step; only when that fails is it parsed again FastAPI's way, so every
# error (invalid JSON, another content type, no body) is worded and located exactly as before.
B = TypeVar("B")


async def parse_json_request(
    request: Request, *, body: TypeAdapter[B], headers: Mapping[str, TypeAdapter[Any]]
) -> tuple[B, dict[str, Any]]:
    """The validated body and headers (None when absent); raises `RequestValidationError` listing
    the headers' problems, then the body's, as FastAPI does."""
    errors: list[dict[str, Any]] = []
    found: dict[str, Any] = {}
    for name, adapter in headers.items():
        value = request.headers.get(name)
        try:
            found[name] = None if value is None else adapter.validate_python(value)
        except ValidationError as error:
            errors += _located(("header", name), error)
    raw = await request.body()
    is_json = _is_json(request.headers.get("content-type"))
    if raw and is_json:
        try:
            value = body.validate_json(raw)
        except ValidationError:
            pass  # worded FastAPI's way below
        else:
            if errors:
                raise RequestValidationError(errors)
            return value, found
    if not raw:
        raise RequestValidationError([*errors, {"type": "missing", "loc": ("body",), "msg": "Field required",
                                                "input": None}])
    try:
        data = json.loads(raw) if is_json else raw  # bytes fail validation as "not an object", as in FastAPI
    except json.JSONDecodeError as error:  # FastAPI reports it alone: the body is read before the headers
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
                                       "input": {}, "ctx": {"error": error.msg}}]) from error
    try:
        value = body.validate_python(data, from_attributes=True)  # as FastAPI validates a body
    except ValidationError as error:
        errors += _located(("body",), error)
    if errors:
        raise RequestValidationError(errors)
    return value, found


def _located(prefix: tuple[str, ...], error: ValidationError) -> list[dict[str, Any]]:
    return [{**e, "loc": (*prefix, *e["loc"])} for e in error.errors(include_url=False)]


def _is_json(content_type: str | None) -> bool:
    """FastAPI's test: `application/json` or `application/*+json`; no content type is not JSON."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))
