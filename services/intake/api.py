"""Intake's HTTP routes for staff: register cases, read them, move them through the lifecycle."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError

from shared import problems
from shared.consuming import Unit
from shared.problems import ProblemError
from shared.health import RuntimeDep
from services.intake import store
from services.intake.actions import act_on_case
from services.intake.config import district_catalogue
from services.intake.domain.errors import InvalidInput
from services.intake.idempotency import IdempotencyKey, claim_for, run_once, stored_answer
from services.intake.registration import Origin, validate_registration
from services.intake.registration_batch import PendingRegistration
from services.intake.request_parsing import parse_json_request
from services.intake.public import CasePublic
from services.intake.schemas import ActionIn, CaseCreate
from services.intake.views import case_view

router = APIRouter(prefix="/cases", tags=["cases"])

# Who acts. The console's token verification is not built yet (see docs/intake.md); until then the
# gateway passes the signed-in account here.
Actor = Annotated[str, Header(alias="X-Bancheng-Actor", min_length=1, max_length=64)]
DEFAULT_ACTOR = "staff:window"


def not_found(case_id: str) -> ProblemError:
    return problems.not_found(zh=f"案件 {case_id} 不存在", en=f"no case {case_id}")


async def load_case(unit: Unit, case_id: str) -> store.Case:
    case = await store.get_case(unit.session, case_id=case_id)
    if case is None:
        raise not_found(case_id)
    return case


_CASE_CREATE = TypeAdapter(CaseCreate)
_HEADERS = {"Idempotency-Key": TypeAdapter(IdempotencyKey), "X-Bancheng-Actor": TypeAdapter(Actor)}
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
async def register(request: Request) -> Response:
    """Register a case (登记); with `forward`, also accept it and forward it (登记转发) at once."""
    case_in, headers = await parse_json_request(request, body=_CASE_CREATE, headers=_HEADERS)
    idempotency_key, actor = headers["Idempotency-Key"], headers["X-Bancheng-Actor"] or DEFAULT_ACTOR
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    claim = claim_for(key=idempotency_key, scope="POST /cases", body=case_in)
    try:
        valid = validate_registration(catalogue=district_catalogue(runtime.settings.districts_file),
                                      case_in=case_in, now=now)
    except InvalidInput:
        replay = await stored_answer(runtime, claim) if claim is not None else None
        if replay is None:
            raise
        return replay.response()  # the first request was valid then: answer as it was answered
    pending = PendingRegistration(valid=valid, origin=Origin(actor=actor), now=now, claim=claim)
    try:
        answer = await runtime.registrations.submit(pending)
    except IntegrityError:
        # Another intake process (PostgreSQL) committed the same key first: answer as it did.
        answer = await stored_answer(runtime, claim) if claim is not None else None
        if answer is None:
            raise
    return answer.response()


@router.get("/counts")
async def counts(runtime: RuntimeDep, district: str | None = None) -> dict[str, int]:
    """Cases by state (out-of-scope referrals are counted like every other case)."""
    async with runtime.sessions() as session:
        return await store.count_by_state(session, district=district)


@router.get("/{case_id}", response_model=CasePublic)
async def read_case(case_id: str, runtime: RuntimeDep) -> dict[str, Any]:
    """One case with its history, missing items, batch items, attachments, work orders and cards."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise not_found(case_id)
        return await case_view(session, case)


@router.post("/{case_id}/actions", response_model=CasePublic)
async def act(
    case_id: str, action_in: ActionIn, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None,
    actor: Actor = DEFAULT_ACTOR,
) -> Response:
    """One lifecycle step; 409 names the actions allowed now when the state forbids it."""
    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id)
        await act_on_case(unit, case=case, action_in=action_in, actor=actor, now=datetime.now(UTC))
        return status.HTTP_200_OK, await case_view(unit.session, case)

    return await run_once(runtime, key=idempotency_key, scope=f"POST /cases/{case_id}/actions",
                          payload=action_in.model_dump(mode="json"), work=work)
