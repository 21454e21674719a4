"""Intake's HTTP routes for staff: register cases, read them, move them through the lifecycle."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, status

from shared.consuming import Unit
from shared.health import RuntimeDep
from services.intake import store
from services.intake.actions import act_on_case
from services.intake.config import district_catalogue
from services.intake.domain.lifecycle import ActionKind
from services.intake.idempotency import IdempotencyKey, run_once
from services.intake.registration import Origin, register_case
from services.intake.schemas import ActionIn, CaseCreate
from services.intake.views import case_view

router = APIRouter(prefix="/cases", tags=["cases"])

# Who acts. The console's token verification is not built yet (see docs/intake.md); until then the
# gateway passes the signed-in account here.
Actor = Annotated[str, Header(alias="X-Bancheng-Actor", min_length=1, max_length=64)]
DEFAULT_ACTOR = "staff:window"


def not_found(case_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, {"zh": f"案件 {case_id} 不存在", "en": f"no case {case_id}"})


async def load_case(unit: Unit, case_id: str) -> store.Case:
    case = await store.get_case(unit.session, case_id=case_id)
    if case is None:
        raise not_found(case_id)
    return case


@router.post("", status_code=status.HTTP_201_CREATED)
async def register(
    case_in: CaseCreate, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None,
    actor: Actor = DEFAULT_ACTOR,
) -> dict[str, Any]:
    """Register a case (登记); with `forward`, also accept it and forward it (登记转发) at once."""
    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        now = datetime.now(UTC)
        catalogue = district_catalogue(runtime.settings.districts_file)
        case = await register_case(unit, catalogue=catalogue, case_in=case_in, origin=Origin(actor=actor), now=now)
        if case_in.forward:
            await act_on_case(unit, case=case, action_in=ActionIn(action=ActionKind.accept), actor=actor, now=now)
            dispatch = ActionIn(action=ActionKind.dispatch, suggested_departments=case_in.suggested_departments)
            await act_on_case(unit, case=case, action_in=dispatch, actor=actor, now=now)
        return status.HTTP_201_CREATED, await case_view(unit.session, case)

    return await run_once(runtime, key=idempotency_key, scope="POST /cases",
                          payload=case_in.model_dump(mode="json"), work=work)


@router.get("/counts")
async def counts(runtime: RuntimeDep, district: str | None = None) -> dict[str, int]:
    """Cases by state (out-of-scope referrals are counted like every other case)."""
    async with runtime.sessions() as session:
        return await store.count_by_state(session, district=district)


@router.get("/{case_id}")
async def read_case(case_id: str, runtime: RuntimeDep) -> dict[str, Any]:
    """One case with its history, missing items, batch items, attachments, work orders and cards."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise not_found(case_id)
        return await case_view(session, case)


@router.post("/{case_id}/actions")
async def act(
    case_id: str, action_in: ActionIn, runtime: RuntimeDep, idempotency_key: IdempotencyKey = None,
    actor: Actor = DEFAULT_ACTOR,
) -> dict[str, Any]:
    """One lifecycle step; 409 names the actions allowed now when the state forbids it."""
    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id)
        await act_on_case(unit, case=case, action_in=action_in, actor=actor, now=datetime.now(UTC))
        return status.HTTP_200_OK, await case_view(unit.session, case)

    return await run_once(runtime, key=idempotency_key, scope=f"POST /cases/{case_id}/actions",
                          payload=action_in.model_dump(mode="json"), work=work)
