"""Routing's HTTP routes for staff and supervisors: a case's routing decision with similar-case suggestions,
the manual triage queue (人工研判) with the rule's reason, the supervisor queue (督办: ping-pong, too many
returns), and assigning a case by hand."""

from typing import Annotated, Any

from fastapi import APIRouter

from shared.api_models import Limit, Offset, Page, page_of
from shared.auth.http import Authorize, bounded, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from services.routing import store
from services.routing.api.deps import CataloguesDep, RuntimeDep, SuggestionsDep
from services.routing.api.errors import domain_errors
from services.routing.api.models import AssignIn, CaseRoutingPublic, RoutedCasePublic
from services.routing.domain.errors import NotFound
from services.routing.store.catalogues import Catalogues
from services.routing.store.dispatching import assign
from services.routing.store.suggestions import Suggestions

router = APIRouter(tags=["triage"])
TriageReader = Annotated[Principal, Authorize("triage.read")]


async def _view(session: Any, case: store.RoutedCase, suggestions: Suggestions) -> CaseRoutingPublic:
    similar = await suggestions.for_text(session, district=case.district, text=case.description,
                                         exclude_case=case.case_id)
    return CaseRoutingPublic.model_validate({**case.model_dump(), "suggestions": similar})


@router.get("/cases/{case_id}/routing", response_model=CaseRoutingPublic)
async def case_routing(case_id: str, runtime: RuntimeDep, suggestions: SuggestionsDep,
                       principal: Annotated[Principal, Authorize("routing.read")]) -> CaseRoutingPublic:
    """What routing decided for a case and why, its route so far, and suggestions from similar cases."""
    async with runtime.sessions() as session:
        case = await store.routed_case(session, case_id=case_id)
        if case is None:
            with domain_errors():
                raise NotFound(en=f"case {case_id!r} was never routed", zh=f"案件 {case_id} 未经转办")
        require(principal, "routing.read", Scope(district=case.district, hall=case.hall))
        return await _view(session, case, suggestions)


async def _queue(runtime: RuntimeDep, suggestions: Suggestions, state: str, district: str | None, offset: int,
                 limit: int) -> Page[CaseRoutingPublic]:
    async with runtime.sessions() as session:
        cases = await store.cases_in_state(session, state=state, district=district, offset=offset, limit=limit + 1)
        shown = [await _view(session, c, suggestions) for c in cases[:limit]]
    return page_of(shown, offset=offset, limit=limit, more=len(cases) > limit)


@router.get("/triage", response_model=Page[CaseRoutingPublic])
async def manual_triage_queue(runtime: RuntimeDep, suggestions: SuggestionsDep, principal: TriageReader,
                              district: str | None = None, offset: Offset = 0,
                              limit: Limit = 200) -> Page[CaseRoutingPublic]:
    """Cases no rule was sure about, oldest first, each with the rule's reason, best guess and suggestions."""
    district = bounded(principal, "triage.read", district=district)["district"]
    return await _queue(runtime, suggestions, "manual_triage", district, offset, limit)


@router.get("/referrals", response_model=Page[CaseRoutingPublic])
async def referral_queue(runtime: RuntimeDep, suggestions: SuggestionsDep, principal: TriageReader,
                         district: str | None = None, offset: Offset = 0,
                         limit: Limit = 200) -> Page[CaseRoutingPublic]:
    """Cases a rule found out of scope (不属于政务服务范围), oldest first, with the referral targets and the
    explanation: staff confirm it on the case (intake's refer_out_of_scope) or overrule it (assign)."""
    district = bounded(principal, "triage.read", district=district)["district"]
    return await _queue(runtime, suggestions, "referred", district, offset, limit)


@router.get("/supervisor/queue", response_model=Page[CaseRoutingPublic])
async def supervisor_queue(runtime: RuntimeDep, suggestions: SuggestionsDep, principal: TriageReader,
                           district: str | None = None, offset: Offset = 0,
                           limit: Limit = 200) -> Page[CaseRoutingPublic]:
    """Cases that bounced between departments or were returned too often: a supervisor decides."""
    district = bounded(principal, "triage.read", district=district)["district"]
    return await _queue(runtime, suggestions, "supervisor", district, offset, limit)


@router.post("/triage/{case_id}/assign", status_code=202, response_model=RoutedCasePublic)
async def assign_from_triage(case_id: str, body: AssignIn, runtime: RuntimeDep, catalogues: CataloguesDep,
                             principal: Annotated[Principal, Authorize("triage.assign")]) -> RoutedCasePublic:
    """Staff choose the departments (also overruling an out-of-scope advice); sending it back where it bounced
    from goes to a supervisor instead."""
    return await _assign(runtime, catalogues, case_id, body, principal, permission="triage.assign")


@router.post("/supervisor/cases/{case_id}/assign", status_code=202, response_model=RoutedCasePublic)
async def assign_by_supervisor(case_id: str, body: AssignIn, runtime: RuntimeDep, catalogues: CataloguesDep,
                               principal: Annotated[Principal, Authorize("supervision.assign")]) -> RoutedCasePublic:
    """A supervisor's decision on a bounced case; it stands even against the case's route."""
    return await _assign(runtime, catalogues, case_id, body, principal, permission="supervision.assign")


async def _assign(runtime: RuntimeDep, catalogues: Catalogues, case_id: str, body: AssignIn, principal: Principal, *,
                  permission: str) -> RoutedCasePublic:
    with domain_errors():
        async with runtime.unit(principal) as unit:
            case = await store.routed_case(unit.session, case_id=case_id, for_update=True)
            if case is None:
                raise NotFound(en=f"case {case_id!r} was never routed", zh=f"案件 {case_id} 未经转办")
            require(principal, permission, Scope(district=case.district))
            with domain_errors(unknown_is_invalid="lead"):
                await assign(unit, case=case, lead=body.lead, assisting=body.assisting, actor=principal.actor,
                             supervisor=permission == "supervision.assign", catalogues=catalogues)
            return RoutedCasePublic.model_validate(case)
