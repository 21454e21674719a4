"""Routing's HTTP routes for departments: the inbox (待办), and sign for, reply, return, extension,
escalation, coordination meeting and the lead's case reply. No login yet: the acting department or
supervisor is named in the body (the console's token will carry it once auth lands)."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, page_of, slice_page
from shared.health import RuntimeDep
from services.routing import actions, store
from services.routing.catalogues import get_catalogues
from services.routing.domain.catalogue import Level
from services.routing.domain.returns import ReturnReason
from services.routing.domain.work_order import WorkOrderState
from services.routing.http_errors import domain_errors, field_error
from services.routing.public import RoutedCasePublic, WorkOrderPublic

router = APIRouter(tags=["work orders"])


class DepartmentAct(BaseModel):
    department: str = Field(min_length=1, examples=["market"])


class ReplyIn(DepartmentAct):
    reply: str = Field(min_length=1)


class ReturnIn(DepartmentAct):
    reason: ReturnReason | None = Field(None, description="属地不符 / 权属不清 / 职能交叉 / 其他")
    note: str = ""


class ExtensionIn(DepartmentAct):
    requested_due_at: AwareDatetime
    legal_basis: str
    reason: str


class ExtensionDecisionIn(BaseModel):
    supervisor: str = Field(min_length=1)
    approve: bool
    comment: str = ""


class EscalationIn(BaseModel):
    actor: str = Field(min_length=1, description="department code or supervisor who escalates")
    level: Level
    reason: str


class MeetingIn(BaseModel):
    convened_by: str = Field(min_length=1)
    participants: list[str]
    decision: str


@router.get("/departments/{department}/work-orders", response_model=Page[WorkOrderPublic])
async def department_inbox(department: str, runtime: RuntimeDep, district: str | None = None,
                           state: Annotated[WorkOrderState | None, Query()] = None, offset: Offset = 0,
                           limit: Limit = 200) -> Page[WorkOrderPublic]:
    """A department's inbox, with orders escalated to it: its open orders oldest first by default, or one state's
    (an ended state newest first, as history is looked back through)."""
    async with runtime.sessions() as session:
        with domain_errors():
            in_force = await get_catalogues().current(session, district=district or runtime.settings.district)
            in_force.catalogue.department(department)
        rows = await store.inbox_of(session, department=department, state=state, offset=offset, limit=limit + 1)
    shown = [WorkOrderPublic.model_validate(row) for row in rows[:limit]]
    return page_of(shown, offset=offset, limit=limit, more=len(rows) > limit)


@router.get("/cases/{case_id}/work-orders", response_model=Page[WorkOrderPublic])
async def list_work_orders(case_id: str, runtime: RuntimeDep, offset: Offset = 0,
                           limit: Limit = DEFAULT_LIMIT) -> Page[WorkOrderPublic]:
    """The work orders dispatched for one case."""
    async with runtime.sessions() as session:
        rows = await store.work_orders_of_case(session, case_id=case_id)
    return slice_page([WorkOrderPublic.model_validate(row) for row in rows], offset=offset, limit=limit)


@router.get("/work-orders/{work_order_id}", response_model=WorkOrderPublic)
async def get_work_order(work_order_id: str, runtime: RuntimeDep) -> WorkOrderPublic:
    """One work order with its extensions, escalations and meetings."""
    async with runtime.sessions() as session:
        with domain_errors():
            return WorkOrderPublic.model_validate(await actions.load(session, work_order_id))


@router.post("/work-orders/{work_order_id}/sign-for", response_model=WorkOrderPublic)
async def sign_for(work_order_id: str, body: DepartmentAct, runtime: RuntimeDep) -> WorkOrderPublic:
    """签收: the department takes the order; its clock starts now."""
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.sign_for(
                unit, work_order_id=work_order_id, department=body.department,
                actor=f"department:{body.department}"))


@router.post("/work-orders/{work_order_id}/reply", response_model=WorkOrderPublic)
async def reply(work_order_id: str, body: ReplyIn, runtime: RuntimeDep) -> WorkOrderPublic:
    """答复 with the result; only after sign-for."""
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.reply(
                unit, work_order_id=work_order_id, department=body.department,
                text=body.reply, actor=f"department:{body.department}"))


@router.post("/work-orders/{work_order_id}/return", response_model=WorkOrderPublic)
async def return_work_order(work_order_id: str, body: ReturnIn, runtime: RuntimeDep) -> WorkOrderPublic:
    """退单 with a reason code within the return window; the case is re-routed."""
    if body.reason is None:
        field_error("reason", en="a return needs a reason code: wrong_locality, unclear_ownership, "
                                 "overlapping_duties or other", zh="退单须选择退单理由：属地不符、权属不清、职能交叉或其他")
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.return_order(
                unit, work_order_id=work_order_id, department=body.department,
                reason=body.reason, note=body.note,
                actor=f"department:{body.department}"))


@router.post("/work-orders/{work_order_id}/extension", response_model=WorkOrderPublic)
async def request_extension(work_order_id: str, body: ExtensionIn, runtime: RuntimeDep) -> WorkOrderPublic:
    """延期 request: new date, legal basis and reason, for a supervisor to decide."""
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.request_extension(
                unit, work_order_id=work_order_id, department=body.department, new_due_at=body.requested_due_at,
                legal_basis=body.legal_basis, reason=body.reason, actor=f"department:{body.department}"))


@router.post("/work-orders/{work_order_id}/extension/decision", response_model=WorkOrderPublic)
async def decide_extension(work_order_id: str, body: ExtensionDecisionIn, runtime: RuntimeDep) -> WorkOrderPublic:
    """The supervisor approves (the due date moves) or rejects (with a reason) the pending extension."""
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.decide_extension(
                unit, work_order_id=work_order_id, approve=body.approve,
                supervisor=body.supervisor, comment=body.comment))


@router.post("/work-orders/{work_order_id}/escalate", response_model=WorkOrderPublic)
async def escalate(work_order_id: str, body: EscalationIn, runtime: RuntimeDep) -> WorkOrderPublic:
    """提级 to the district, then the city coordinator, which finds it in its inbox and on its feed."""
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.escalate(
                unit, work_order_id=work_order_id, level=body.level, actor=body.actor,
                reason=body.reason))


@router.post("/work-orders/{work_order_id}/meetings", response_model=WorkOrderPublic)
async def record_meeting(work_order_id: str, body: MeetingIn, runtime: RuntimeDep) -> WorkOrderPublic:
    """A coordination meeting (协调会) the coordinator held: participants and decision."""
    with domain_errors():
        async with runtime.unit() as unit:
            return WorkOrderPublic.model_validate(await actions.record_meeting(
                unit, work_order_id=work_order_id, convened_by=body.convened_by,
                participants=body.participants, decision=body.decision))


@router.post("/cases/{case_id}/reply", response_model=RoutedCasePublic)
async def compose_case_reply(case_id: str, body: ReplyIn, runtime: RuntimeDep) -> RoutedCasePublic:
    """The lead department's reply for the whole case, once every work order is replied."""
    with domain_errors():
        async with runtime.unit() as unit:
            return RoutedCasePublic.model_validate(await actions.compose_case_reply(
                unit, case_id=case_id, department=body.department,
                text=body.reply, actor=f"department:{body.department}"))
