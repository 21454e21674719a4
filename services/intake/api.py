"""Intake's HTTP routes for staff: register cases, read them, move them through the lifecycle."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response, status
from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError

from shared import problems, tracing
from shared.auth.http import Authorize, bounded, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.health import RuntimeDep
from shared.problems import ProblemError
from services.intake import store
from services.intake.actions import act_on_case
from services.intake.config import district_catalogue
from services.intake.domain.errors import InvalidInput
from services.intake.idempotency import IdempotencyKey, claim_for, run_once, stored_answer
from services.intake.public import CasePublic
from services.intake.registration import Origin, validate_registration
from services.intake.registration_batch import PendingRegistration
from services.intake.request_parsing import parse_json_request
from services.intake.schemas import ActionIn, CaseCreate
from services.intake.views import case_view

router = APIRouter(prefix="/cases", tags=["cases"])

def not_found(case_id: str) -> ProblemError:
    return problems.not_found(zh=f"案件 {case_id} 不存在", en=f"no case {case_id}")


def require_case(principal: Principal, permission: str, case: store.Case) -> None:
    """403 unless the principal may do `permission` on this case (its district and hall)."""
    require(principal, permission, Scope(district=case.district, hall=case.hall))


async def load_case(unit: Unit, case_id: str, *, principal: Principal, permission: str) -> store.Case:
    case = await store.get_case(unit.session, case_id=case_id)
    if case is None:
        raise not_found(case_id)
    require_case(principal, permission, case)
    return case


_CASE_CREATE = TypeAdapter(CaseCreate)
_HEADERS = {"Idempotency-Key": TypeAdapter(IdempotencyKey)}
# The body and headers are parsed in the route (`request_parsing`), so FastAPI does not see them:
# the API document is given them here. The body's nested models are referenced where they sit.
_DEFS_HERE = "#/paths/~1cases/post/requestBody/content/application~1json/schema/$defs/{model}"
_REGISTER_DOCUMENT = {
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": CaseCreate.model_json_schema(ref_template=_DEFS_HERE)}}},
    "parameters": [{"name": name, "in": "header", "required": False, "schema": adapter.json_schema()}
                   for name, adapter in _HEADERS.items()],
}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CasePublic, openapi_extra=_REGISTER_DOCUMENT)
async def register(request: Request, principal: Annotated[Principal, Authorize("case.register")]) -> Response:
    """Register a case (登记) at the clerk's own hall; with `forward`, also accept it and forward it (登记转发)."""
    case_in, headers = await parse_json_request(request, body=_CASE_CREATE, headers=_HEADERS)
    idempotency_key = headers["Idempotency-Key"]
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    # Keys are the caller's own: another principal's key never replays its answer.
    claim = claim_for(key=idempotency_key, scope=f"POST /cases by {principal.actor}", body=case_in)
    try:
        valid = validate_registration(catalogue=district_catalogue(runtime.settings.districts_dir),
                                      case_in=case_in, now=now)
    except InvalidInput:
        replay = await stored_answer(runtime, claim) if claim is not None else None
        if replay is None:
            raise
        return replay.response()  # the first request was valid then: answer as it was answered
    require(principal, "case.register", Scope(district=valid.district.code, hall=valid.hall.prefix))
    origin = Origin(actor=principal.actor, actor_detail=principal.actor_detail, trace_context=tracing.current())
    pending = PendingRegistration(valid=valid, origin=origin, now=now, claim=claim)
    try:
        answer = await runtime.registrations.submit(pending)
    except IntegrityError:
        # Another intake process (PostgreSQL) committed the same key first: answer as it did.
        answer = await stored_answer(runtime, claim) if claim is not None else None
        if answer is None:
            raise
    return answer.response()


@router.get("/counts")
async def counts(runtime: RuntimeDep, principal: Annotated[Principal, Authorize("case.count")],
                 district: str | None = None) -> dict[str, int]:
    """Cases by state in the caller's district (out-of-scope referrals are counted like every other case)."""
    scope = bounded(principal, "case.count", district=district)
    async with runtime.sessions() as session:
        return await store.count_by_state(session, district=scope["district"])


@router.get("/{case_id}", response_model=CasePublic)
async def read_case(case_id: str, runtime: RuntimeDep,
                    principal: Annotated[Principal, Authorize("case.read")]) -> dict[str, Any]:
    """One case with its history, missing items, batch items, attachments, work orders and cards."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise not_found(case_id)
        require_case(principal, "case.read", case)
        return await case_view(session, case)


@router.post("/{case_id}/actions", response_model=CasePublic)
async def act(
    case_id: str, action_in: ActionIn, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("case.act")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """One lifecycle step; 409 names the actions allowed now when the state forbids it."""
    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id, principal=principal, permission="case.act")
        await act_on_case(unit, case=case, action_in=action_in, actor=principal.actor, now=datetime.now(UTC))
        return status.HTTP_200_OK, await case_view(unit.session, case)

    return await run_once(runtime, key=idempotency_key, scope=f"POST /cases/{case_id}/actions",
                          payload=action_in.model_dump(mode="json"), work=work, acting=principal)
