"""A case's deadlines: GET /cases/{case_id}/deadlines."""

from typing import Annotated

from fastapi import APIRouter

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, slice_page
from shared.auth.http import NARROWED, Authorize
from shared.auth.policy import Scope, allows
from shared.auth.principal import Principal
from services.sla import store
from services.sla.api.deps import ClockDep, RulesDep, RuntimeDep
from services.sla.api.models import DeadlinePublic

router = APIRouter(tags=["deadlines"])


@router.get("/cases/{case_id}/deadlines", response_model=Page[DeadlinePublic], openapi_extra=NARROWED)
async def list_deadlines(case_id: str, runtime: RuntimeDep, rules: RulesDep, clock: ClockDep,
                         principal: Annotated[Principal, Authorize("deadline.read")], offset: Offset = 0,
                         limit: Limit = DEFAULT_LIMIT) -> Page[DeadlinePublic]:
    """The deadlines of one case the caller may read: its reply and each work order, each with its countdown."""
    async with runtime.sessions() as session:
        rows = await store.deadlines_of_case(session, case_id=case_id)
    now = clock.now()
    readable = [DeadlinePublic.shown(row, rules=rules, now=now) for row in rows
                if allows(principal, "deadline.read",
                          Scope(district=row.district, hall=row.hall, department=row.department))]
    return slice_page(readable, offset=offset, limit=limit)
