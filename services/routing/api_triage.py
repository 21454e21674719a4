"""Routing's HTTP routes for staff and supervisors: a case's routing decision with similar-case suggestions,
the manual triage queue (人工研判) with the rule's reason, the supervisor queue (督办: ping-pong, too many
returns), and assigning a case by hand."""

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared.auth.http import Authorize, bounded, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from services.routing import store
from services.routing.dispatching import assign
from services.routing.domain.errors import NotFound
from services.routing.http_errors import domain_errors
from services.routing.suggestions import get_suggestions

router = APIRouter(tags=["triage"])
TriageReader = Annotated[Principal, Authorize("triage.read")]


class AssignIn(BaseModel):
    lead: str = Field(min_length=1, examples=["market"])
    assisting: list[str] = Field(default_factory=list)


async def _view(session: Any, case: store.RoutedCase) -> dict[str, Any]:
    suggestions = await get_suggestions().for_text(session, district=case.district, text=case.description,
                                                   exclude_case=case.case_id)
    return {**case.model_dump(), "suggestions": suggestions}


@router.get("/cases/{case_id}/routing")
async def case_routing(case_id: str, runtime: RuntimeDep,
                       principal: Annotated[Principal, Authorize("routing.read")]) -> dict[str, Any]:
    """What routing decided for a case and why, its route so far, and suggestions from similar cases."""
    async with runtime.sessions() as session:
        case = await store.routed_case(session, case_id=case_id)
        if case is None:
            with domain_errors():
                raise NotFound(en=f"case {case_id!r} was never routed", zh=f"案件 {case_id} 未经转办")
        require(principal, "routing.read", Scope(district=case.district, hall=case.hall))
        return await _view(session, case)


@router.get("/triage")
async def manual_triage_queue(runtime: RuntimeDep, principal: TriageReader,
                              district: str | None = None) -> list[dict[str, Any]]:
    """Cases no rule was sure about, oldest first, each with the rule's reason, best guess and suggestions."""
    district = bounded(principal, "triage.read", district=district)["district"]
    async with runtime.sessions() as session:
        return [await _view(session, c) for c in await store.cases_in_state(session, state="manual_triage",
                                                                            district=district)]


@router.get("/supervisor/queue")
async def supervisor_queue(runtime: RuntimeDep, principal: TriageReader,
                           district: str | None = None) -> list[dict[str, Any]]:
    """Cases that bounced between departments or were returned too often: a supervisor decides."""
    district = bounded(principal, "triage.read", district=district)["district"]
    async with runtime.sessions() as session:
        return [await _view(session, c) for c in await store.cases_in_state(session, state="supervisor",
                                                                            district=district)]


@router.post("/triage/{case_id}/assign", status_code=202)
async def assign_from_triage(case_id: str, body: AssignIn, runtime: RuntimeDep,
                             principal: Annotated[Principal, Authorize("triage.assign")]) -> dict[str, Any]:
    """Staff choose the departments; sending it back where it bounced from goes to a supervisor instead."""
    return await _assign(runtime, case_id, body, principal, permission="triage.assign")


@router.post("/supervisor/cases/{case_id}/assign", status_code=202)
async def assign_by_supervisor(case_id: str, body: AssignIn, runtime: RuntimeDep,
                               principal: Annotated[Principal, Authorize("supervision.assign")]) -> dict[str, Any]:
    """A supervisor's decision on a bounced case; it stands even against the case's route."""
    return await _assign(runtime, case_id, body, principal, permission="supervision.assign")


async def _assign(runtime: RuntimeDep, case_id: str, body: AssignIn, principal: Principal, *,
                  permission: str) -> dict[str, Any]:
    with domain_errors():
        async with runtime.unit(principal) as unit:
            case = await store.routed_case(unit.session, case_id=case_id, for_update=True)
            if case is None:
                raise NotFound(en=f"case {case_id!r} was never routed", zh=f"案件 {case_id} 未经转办")
            require(principal, permission, Scope(district=case.district))
            with domain_errors(unknown_is_invalid="lead"):
                await assign(unit, case=case, lead=body.lead, assisting=body.assisting, actor=principal.actor,
                             supervisor=permission == "supervision.assign")
            return case.model_dump()
