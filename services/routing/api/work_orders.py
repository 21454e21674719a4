"""Routing's HTTP routes for departments: the inbox (待办), and sign for, reply, return, extension,
escalation, coordination meeting and the lead's case reply. The acting department is the token's: a
department acts only on its own work orders (403 otherwise); an extension is decided by a supervisor of
the order's district who did not request it."""

from typing import Annotated

from fastapi import APIRouter, Query

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, page_of, slice_page
from shared.auth.http import NARROWED, Authorize, forbidden, require
from shared.auth.policy import Scope, allows
from shared.auth.principal import Principal
from shared.consuming import Unit
from services.routing import store
from services.routing.api.deps import CataloguesDep, RuntimeDep
from services.routing.api.errors import domain_errors, field_error
from services.routing.api.models import (
    EscalationIn,
    ExtensionDecisionIn,
    ExtensionIn,
    MeetingIn,
    ReplyIn,
    ReturnIn,
    RoutedCasePublic,
    WorkOrderPublic,
)
from services.routing.domain.work_order import WorkOrderState
from services.routing.store import actions

router = APIRouter(tags=["work orders"])
Reader = Annotated[Principal, Authorize("workorder.read")]
Handler = Annotated[Principal, Authorize("workorder.handle")]


def order_scopes(row: store.WorkOrder) -> list[Scope]:
    """The org units a work order belongs to: the department it was dispatched to and, once escalated (提级),
    the coordinator holding it. Which of them may do what next is the domain's to say."""
    return [Scope(district=row.district, hall=row.hall, department=department)
            for department in dict.fromkeys((row.department, row.coordinator)) if department]


def permitted_on(principal: Principal, permission: str, row: store.WorkOrder) -> bool:
    return any(allows(principal, permission, scope) for scope in order_scopes(row))


async def order_for(unit: Unit, work_order_id: str, principal: Principal, permission: str) -> WorkOrderPublic:
    """The work order, if the principal may do `permission` on it: 404 when unknown, 403 when not its own."""
    row = await actions.load(unit.session, work_order_id)
    if not permitted_on(principal, permission, row):
        raise forbidden(permission, "this work order is not your department's", "无权处理其他部门的工单")
    return row


def own_department(principal: Principal) -> str:
    if principal.department is None:
        raise forbidden("workorder.handle", "your token names no department", "访问令牌未载明所属部门")
    return principal.department


@router.get("/departments/{department}/work-orders", response_model=Page[WorkOrderPublic])
async def department_inbox(department: str, runtime: RuntimeDep, catalogues: CataloguesDep, principal: Reader,
                           district: str | None = None,
                           state: Annotated[WorkOrderState | None, Query()] = None, offset: Offset = 0,
                           limit: Limit = 200) -> Page[WorkOrderPublic]:
    """A department's inbox, with orders escalated to it: its open orders oldest first by default, or one state's
    (an ended state newest first, as history is looked back through)."""
    district = district or runtime.settings.district
    require(principal, "workorder.read", Scope(district=district, department=department))
    async with runtime.sessions() as session:
        with domain_errors():
            in_force = catalogues.current(district)
            in_force.catalogue.department(department)
        rows = await store.inbox_of(session, department=department, state=state, offset=offset, limit=limit + 1)
    shown = [WorkOrderPublic.model_validate(row) for row in rows[:limit]]
    return page_of(shown, offset=offset, limit=limit, more=len(rows) > limit)


@router.get("/cases/{case_id}/work-orders", response_model=Page[WorkOrderPublic], openapi_extra=NARROWED)
async def list_work_orders(case_id: str, runtime: RuntimeDep, principal: Reader, offset: Offset = 0,
                           limit: Limit = DEFAULT_LIMIT) -> Page[WorkOrderPublic]:
    """The work orders dispatched for one case that the caller may read (a department sees its own)."""
    async with runtime.sessions() as session:
        rows = await store.work_orders_of_case(session, case_id=case_id)
    readable = [WorkOrderPublic.model_validate(row) for row in rows if permitted_on(principal, "workorder.read", row)]
    return slice_page(readable, offset=offset, limit=limit)


@router.get("/work-orders/{work_order_id}", response_model=WorkOrderPublic)
async def get_work_order(work_order_id: str, runtime: RuntimeDep, principal: Reader) -> WorkOrderPublic:
    """One work order with its extensions, escalations and meetings."""
    async with runtime.sessions() as session:
        with domain_errors():
            row = await actions.load(session, work_order_id)
        if not permitted_on(principal, "workorder.read", row):
            raise forbidden("workorder.read", "this work order is not your department's", "无权查看其他部门的工单")
        return WorkOrderPublic.model_validate(row)


@router.post("/work-orders/{work_order_id}/sign-for", response_model=WorkOrderPublic)
async def sign_for(work_order_id: str, runtime: RuntimeDep, principal: Handler) -> WorkOrderPublic:
    """签收: the department takes the order; its clock starts now."""
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "workorder.handle")
            done = await actions.sign_for(unit, work_order_id=work_order_id, department=own_department(principal),
                                          actor=principal.actor)
            return WorkOrderPublic.model_validate(done)


@router.post("/work-orders/{work_order_id}/reply", response_model=WorkOrderPublic)
async def reply(work_order_id: str, body: ReplyIn, runtime: RuntimeDep, principal: Handler) -> WorkOrderPublic:
    """答复 with the result; only after sign-for."""
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "workorder.handle")
            done = await actions.reply(unit, work_order_id=work_order_id, department=own_department(principal),
                                       text=body.reply, actor=principal.actor)
            return WorkOrderPublic.model_validate(done)


@router.post("/work-orders/{work_order_id}/return", response_model=WorkOrderPublic)
async def return_work_order(work_order_id: str, body: ReturnIn, runtime: RuntimeDep, catalogues: CataloguesDep,
                            principal: Handler) -> WorkOrderPublic:
    """退单 with a reason code within the return window; the case is re-routed."""
    if body.reason is None:
        field_error("reason", en="a return needs a reason code: wrong_locality, unclear_ownership, "
                                 "overlapping_duties or other",
                    zh="退单须选择退单理由：属地不符、权属不清、职能交叉或其他")
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "workorder.handle")
            done = await actions.return_order(unit, work_order_id=work_order_id,
                                              department=own_department(principal), reason=body.reason,
                                              note=body.note, actor=principal.actor, catalogues=catalogues)
            return WorkOrderPublic.model_validate(done)


@router.post("/work-orders/{work_order_id}/extension", response_model=WorkOrderPublic)
async def request_extension(work_order_id: str, body: ExtensionIn, runtime: RuntimeDep,
                            principal: Handler) -> WorkOrderPublic:
    """延期 request: new date, legal basis and reason, for a supervisor to decide."""
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "workorder.handle")
            done = await actions.request_extension(
                unit, work_order_id=work_order_id, department=own_department(principal),
                new_due_at=body.requested_due_at, legal_basis=body.legal_basis, reason=body.reason,
                actor=principal.actor)
            return WorkOrderPublic.model_validate(done)


@router.post("/work-orders/{work_order_id}/extension/decision", response_model=WorkOrderPublic)
async def decide_extension(work_order_id: str, body: ExtensionDecisionIn, runtime: RuntimeDep,
                           principal: Annotated[Principal, Authorize("extension.decide")]) -> WorkOrderPublic:
    """A supervisor of the order's district approves (the due date moves) or rejects (with a reason) the pending
    extension; never its requester (403)."""
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "extension.decide")
            done = await actions.decide_extension(unit, work_order_id=work_order_id, approve=body.approve,
                                                  supervisor=principal.actor, comment=body.comment)
            return WorkOrderPublic.model_validate(done)


@router.post("/work-orders/{work_order_id}/escalate", response_model=WorkOrderPublic)
async def escalate(work_order_id: str, body: EscalationIn, runtime: RuntimeDep, catalogues: CataloguesDep,
                   principal: Annotated[Principal, Authorize("workorder.escalate")]) -> WorkOrderPublic:
    """提级 to the district, then the city coordinator, which finds it in its inbox and on its feed."""
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "workorder.escalate")
            done = await actions.escalate(unit, work_order_id=work_order_id, level=body.level,
                                          actor=principal.actor, reason=body.reason, catalogues=catalogues)
            return WorkOrderPublic.model_validate(done)


@router.post("/work-orders/{work_order_id}/meetings", response_model=WorkOrderPublic)
async def record_meeting(work_order_id: str, body: MeetingIn, runtime: RuntimeDep,
                         principal: Annotated[Principal, Authorize("workorder.meeting")]) -> WorkOrderPublic:
    """A coordination meeting (协调会) the coordinator held: participants and decision."""
    with domain_errors():
        async with runtime.unit(principal) as unit:
            await order_for(unit, work_order_id, principal, "workorder.meeting")
            done = await actions.record_meeting(unit, work_order_id=work_order_id, convened_by=body.convened_by,
                                                participants=body.participants, decision=body.decision,
                                                actor=principal.actor)
            return WorkOrderPublic.model_validate(done)


@router.post("/cases/{case_id}/reply", response_model=RoutedCasePublic)
async def compose_case_reply(case_id: str, body: ReplyIn, runtime: RuntimeDep, principal: Handler) -> RoutedCasePublic:
    """The lead department's reply for the whole case, once every work order is replied."""
    department = own_department(principal)
    with domain_errors():
        async with runtime.unit(principal) as unit:
            case = await store.routed_case(unit.session, case_id=case_id)
            if case is not None:
                require(principal, "workorder.handle", Scope(district=case.district, department=department))
            done = await actions.compose_case_reply(unit, case_id=case_id, department=department,
                                                    text=body.reply, actor=principal.actor)
            return RoutedCasePublic.model_validate(done)
