"""Department actions on a work order, the same whether they come over HTTP or on the command topic:
sign for (签收), reply (答复), return (退单), extension (延期) and its decision, escalation (提级),
coordination meeting, and the lead's case reply; and cancelling (撤销) a case's open orders when the
case is withdrawn or merged. Each loads the order, lets the domain decide (raising a RoutingError
changes nothing), saves the new state and stages the event in the caller's transaction."""

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import now_utc
from shared.consuming import Unit
from shared.db import rows_to_insert
from shared.envelope import Envelope
from shared.events.base import Event
from shared.events.case import CaseMerged, CaseReferredOutOfScope, CaseWithdrawn
from shared.events.workorder import (
    CaseReplyComposed,
    CoordinationMeetingRecorded,
    ExtensionDecided,
    ExtensionRequested,
    ReplyContribution,
    WorkOrderCancelled,
    WorkOrderEscalated,
    WorkOrderReplied,
    WorkOrderReturned,
    WorkOrderSignedFor,
)
from shared.topics import WORKORDER_EVENTS, department_topic
from services.routing import store
from services.routing.domain import work_order as domain
from services.routing.domain.case_reply import compose_case_reply as compose
from services.routing.domain.catalogue import Level
from services.routing.domain.errors import NotFound
from services.routing.domain.returns import return_work_order
from services.routing.domain.work_order import Role
from services.routing.store.calendar import calendars
from services.routing.store.catalogues import Catalogues
from services.routing.store.dispatching import reroute
from services.routing.store.orders import apply, to_domain

# The routed case's state after the case ended this way; also the cancelled orders' cause.
_CANCEL_CAUSES = {CaseWithdrawn: "withdrawn", CaseMerged: "merged", CaseReferredOutOfScope: "referred_out_of_scope"}


async def sign_for(unit: Unit, *, work_order_id: str, department: str, actor: str) -> store.WorkOrder:
    row = await _load(unit, work_order_id)
    now = now_utc()
    apply(row, domain.sign_for(to_domain(row), department=department, at=now))
    await _emit(unit, row, WorkOrderSignedFor(work_order_id=row.id, case_number=row.case_number,
                                              department=department), actor=actor)
    return row


async def reply(unit: Unit, *, work_order_id: str, department: str, text: str, actor: str) -> store.WorkOrder:
    row = await _load(unit, work_order_id)
    apply(row, domain.reply(to_domain(row), department=department, text=text, at=now_utc()))
    await _emit(unit, row, WorkOrderReplied(work_order_id=row.id, case_number=row.case_number,
                                            department=department, reply=text), actor=actor)
    return row


async def return_order(unit: Unit, *, work_order_id: str, department: str, reason: str | None, note: str,
                       actor: str, catalogues: Catalogues) -> store.WorkOrder:
    """退单 within the district's window; the lead's return re-routes the case, an assisting one just ends."""
    row = await _load(unit, work_order_id)
    case = await _case(unit, row.case_id)
    in_force = catalogues.at(row.district, case.catalogue_version)
    calendar = await calendars(unit.session)  # with sla's overrides: the days its deadlines count

    def count_working_days(start: date, end: date) -> int:
        return calendar.count_working_days(row.district, start, end)

    returned = return_work_order(to_domain(row), department=department, reason=reason, note=note, at=now_utc(),
                                 count_working_days=count_working_days,
                                 window_working_days=in_force.district.policy.returns.window_working_days)
    apply(row, returned)
    case.returns = [*case.returns, str(returned.return_reason)]
    await _emit(unit, row, WorkOrderReturned(work_order_id=row.id, case_number=row.case_number,
                                             department=department, reason=returned.return_reason, note=note,
                                             return_count=len(case.returns)), actor=actor)
    if row.role == Role.lead:
        await reroute(unit, case=case, returned=row, catalogues=catalogues)
    return row


async def request_extension(unit: Unit, *, work_order_id: str, department: str, new_due_at: datetime,
                            legal_basis: str, reason: str, actor: str) -> store.WorkOrder:
    row = await _load(unit, work_order_id)
    apply(row, domain.request_extension(to_domain(row), department=department, new_due_at=new_due_at,
                                        legal_basis=legal_basis, reason=reason, at=now_utc(), requested_by=actor))
    await _emit(unit, row, ExtensionRequested(work_order_id=row.id, case_number=row.case_number,
                                              department=department, requested_due_at=new_due_at,
                                              legal_basis=legal_basis, reason=reason), actor=actor)
    return row


async def decide_extension(unit: Unit, *, work_order_id: str, approve: bool, supervisor: str,
                           comment: str) -> store.WorkOrder:
    """The decision of `supervisor` (an actor: `person:<sub>`), who must not be the extension's requester."""
    row = await _load(unit, work_order_id)
    decided = domain.decide_extension(to_domain(row), approve=approve, supervisor=supervisor, at=now_utc(),
                                      comment=comment)
    apply(row, decided)
    await _emit(unit, row, ExtensionDecided(
        work_order_id=row.id, case_number=row.case_number, department=row.department, approved=approve,
        new_due_at=decided.extensions[-1].new_due_at if approve else None, supervisor=supervisor,
        comment=comment), actor=supervisor, feed=row.department)
    return row


async def escalate(unit: Unit, *, work_order_id: str, level: Level, actor: str, reason: str,
                   catalogues: Catalogues) -> store.WorkOrder:
    """提级: the coordinator at ``level`` now holds the order; the event reaches the coordinator's feed."""
    row = await _load(unit, work_order_id)
    case = await _case(unit, row.case_id)
    in_force = catalogues.at(row.district, case.catalogue_version)
    coordinator = in_force.catalogue.coordinator(level).code
    apply(row, domain.escalate(to_domain(row), level=level, coordinator=coordinator, actor=actor, reason=reason,
                               at=now_utc()))
    await _emit(unit, row, WorkOrderEscalated(work_order_id=row.id, case_number=row.case_number, level=level.value,
                                              coordinator=coordinator, reason=reason), actor=actor, feed=coordinator)
    return row


async def record_meeting(unit: Unit, *, work_order_id: str, convened_by: str, participants: list[str],
                         decision: str, actor: str) -> store.WorkOrder:
    row = await _load(unit, work_order_id)
    apply(row, domain.record_meeting(to_domain(row), convened_by=convened_by, participants=tuple(participants),
                                     decision=decision, held_at=now_utc()))
    await _emit(unit, row, CoordinationMeetingRecorded(work_order_id=row.id, case_number=row.case_number,
                                                       participants=participants, decision=decision),
                actor=actor)
    return row


async def compose_case_reply(unit: Unit, *, case_id: str, department: str, text: str,
                             actor: str) -> store.RoutedCase:
    """The lead's reply for the whole case, once every live work order is replied (件件有回复)."""
    case = await _case(unit, case_id)
    # A redo (重办) answers again: the round in progress counts, the earlier rounds were answered already.
    rows = [r for r in await store.work_orders_of_case(unit.session, case_id=case_id) if r.round == case.round]
    composed = compose(orders=[to_domain(r) for r in rows], department=department, text=text, at=now_utc())
    case.state, case.reply, case.replied_at = "replied", composed.text, composed.replied_at
    await unit.emit(CaseReplyComposed(
        case_number=case.case_number, lead_department=composed.lead_department, reply=composed.text,
        contributions=[ReplyContribution(department=c.department, role=c.role.value, reply=c.reply)
                       for c in composed.contributions]),
        topic=WORKORDER_EVENTS, case_id=case.case_id, district=case.district, hall=case.hall, actor=actor)
    return case


async def cancel_case(unit: Unit, *, case_id: str, ended: CaseWithdrawn | CaseMerged | CaseReferredOutOfScope,
                      actor: str, at: datetime) -> None:
    """The case was withdrawn (撤回), merged (并单) or referred out of scope by staff (不属于受理范围): it
    leaves the triage, supervisor and referral queues, and each open work order is cancelled (撤销), its
    department — and the coordinator holding it — told on their own feeds. Replied and returned orders keep
    their state. A case routing never had changes nothing."""
    cause = _CANCEL_CAUSES[type(ended)]
    reason = ended.explanation if isinstance(ended, CaseReferredOutOfScope) else ended.reason
    # A case forwarded in this same batch is still waiting to be inserted at commit: no query finds it.
    staged = [c for c in rows_to_insert(unit.session, store.RoutedCase) if c.case_id == case_id]
    case = staged[0] if staged else await store.routed_case(unit.session, case_id=case_id, for_update=True)
    if case is None:
        return
    case.state = cause  # withdrawn | merged | referred_out_of_scope
    rows = [o for o in rows_to_insert(unit.session, store.WorkOrder) if o.case_id == case_id]
    rows += await store.work_orders_of_case(unit.session, case_id=case_id)
    for row in rows:
        order = to_domain(row)
        if not order.is_open:
            continue
        apply(row, domain.cancel(order, at=at))
        cancelled = await _emit(unit, row, WorkOrderCancelled(
            work_order_id=row.id, case_number=row.case_number, department=row.department, cause=cause,
            reason=reason, into_case_number=getattr(ended, "into_case_number", None)),
            actor=actor, feed=row.department)
        if row.coordinator and row.coordinator != row.department:
            await unit.forward(cancelled, topic=department_topic(row.coordinator))


async def _load(unit: Unit, work_order_id: str) -> store.WorkOrder:
    # FOR UPDATE on PostgreSQL: two instances acting on one order at once apply one after the other.
    return await load(unit.session, work_order_id, for_update=True)


async def load(session: AsyncSession, work_order_id: str, *, for_update: bool = False) -> store.WorkOrder:
    """The work order, or NotFound."""
    row = await store.work_order(session, work_order_id=work_order_id, for_update=for_update)
    if row is None:
        raise NotFound(en=f"unknown work order {work_order_id!r}", zh=f"工单 {work_order_id} 不存在")
    return row


async def _case(unit: Unit, case_id: str) -> store.RoutedCase:
    case = await store.routed_case(unit.session, case_id=case_id, for_update=True)
    if case is None:
        raise NotFound(en=f"case {case_id!r} was never routed", zh=f"案件 {case_id} 未经转办")
    return case


async def _emit(unit: Unit, row: store.WorkOrder, event: Event, *, actor: str, feed: str | None = None) -> Envelope:
    """On the work-order stream, and on a department's own feed when it must hear of it."""
    envelope = await unit.emit(event, topic=WORKORDER_EVENTS, case_id=row.case_id, district=row.district,
                               hall=row.hall, actor=actor)
    if feed:
        await unit.forward(envelope, topic=department_topic(feed))
    return envelope


