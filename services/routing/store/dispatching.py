"""Turning decisions into work orders: first routing of a forwarded case, a redo's new round (重办), staff and
supervisor assignment, and re-routing after a return (退单). Every effect is staged in the caller's unit (one
transaction)."""

from collections.abc import Sequence

from shared.clock import now_utc
from shared.consuming import Unit
from shared.db import insert_at_commit, new_row, plain_row
from shared.envelope import Envelope
from shared.events.base import Event
from shared.events.case import CaseForwarded
from shared.events.workorder import (
    ManualTriageRequired,
    OutOfScopeReferralAdvised,
    PingPongDetected,
    ReferralTarget,
    SupervisorReviewRequired,
    WorkOrderCancelled,
    WorkOrderDispatched,
)
from shared.topics import WORKORDER_EVENTS, department_topic
from services.routing import store
from services.routing.domain.catalogue import Level, Tier
from services.routing.domain.decision import Outcome, RoutingDecision, RoutingRequest
from services.routing.domain.errors import InvalidTransition, NotFound
from services.routing.domain.returns import ReturnReason, SupervisorReferral, check_reroute, reroute_after_return
from services.routing.domain.work_order import OPEN, Role, WorkOrderState, cancel
from services.routing.store.catalogues import Catalogues, InForce
from services.routing.store.orders import apply, to_domain

ROUTING = "service:routing"
ROUTED_CASES = "routing.routed_cases"  # session.info: (case ids looked up, those routed) in this transaction


async def route_forwarded_case(unit: Unit, *, event: CaseForwarded, case_id: str, district: str,
                               hall: str | None, catalogues: Catalogues) -> None:
    """Decide and dispatch a forwarded case once; an unknown district raises (the record is dead-lettered).

    The case and its work orders go in at commit, with the batch's others (another instance routing the
    same case under another event id fails that commit on the key; the retry finds the case routed).
    """
    routed = await _routed_cases_of_batch(unit, case_id)
    if case_id in routed:
        if event.round > 1:
            await open_redo_round(unit, event=event, case_id=case_id, catalogues=catalogues)
        return  # otherwise routed already, under another event id (e.g. the case was forwarded twice)
    routed.add(case_id)
    in_force = catalogues.at(district, event.pack_version)  # the version the case was registered under
    case = plain_row(
        store.RoutedCase,
        case_id=case_id, case_number=event.case_number, district=district, hall=hall,
        problem_kind=event.problem_kind, matter_code=event.matter_code, description=event.description,
        suggested_departments=list(event.suggested_departments), state="new", reason="",
        catalogue_version=in_force.version, green_channel=event.green_channel)
    insert_at_commit(unit.session, case)  # with the batch's other new cases, in one statement
    try:
        decision = in_force.router.decide(request_of(case))
    except NotFound as unknown:  # an unknown matter or problem kind: staff decide, told why
        case.state, case.reason = "manual_triage", unknown.message_zh
        await _emit(unit, case, ManualTriageRequired(case_number=case.case_number, best_guess=None, confidence=0.0,
                                                     reason=unknown.message_zh))
        return
    await apply_decision(unit, case=case, in_force=in_force, decision=decision, first=True)


async def _routed_cases_of_batch(unit: Unit, case_id: str) -> set[str]:
    """Cases routed already, the batch's forwarded cases looked up in one query the first time (a query
    per case cost a round trip each); the caller adds the cases it routes in this transaction."""
    asked, routed = unit.session.info.setdefault(ROUTED_CASES, (set(), set()))
    if case_id not in asked:
        wanted = {case_id} | {e.case_id for e in unit.batch if e.type == CaseForwarded.type}
        routed |= await store.routed_case_ids(unit.session, case_ids=sorted(wanted - asked))
        asked |= wanted
    return routed


async def open_redo_round(unit: Unit, *, event: CaseForwarded, case_id: str, catalogues: Catalogues) -> None:
    """A redo (重办): the case comes back after a dissatisfied callback, and a new round of work orders goes
    to the departments of the last round (its lead and assisting departments), unless staff named others
    (`suggested_departments`: the lead first). A round already opened is not opened again (a redelivery)."""
    case = await store.routed_case(unit.session, case_id=case_id, for_update=True)
    if case is None or event.round <= case.round:
        return
    last_round = [o for o in await store.work_orders_of_case(unit.session, case_id=case_id)
                  if o.round == case.round and o.state not in (WorkOrderState.returned, WorkOrderState.cancelled)]
    case.round = event.round
    if event.suggested_departments:
        lead, *assisting = event.suggested_departments
    else:
        leads = [o.department for o in last_round if o.role == Role.lead]
        lead = leads[-1] if leads else (case.route[-1] if case.route else None)
        assisting = [o.department for o in last_round if o.role == Role.assisting and o.department != lead]
    if lead is None:  # the case never had a lead (it was referred or triaged): staff decide
        case.state, case.reason = "manual_triage", "重办：上一轮没有主办部门，请人工研判"
        await _emit(unit, case, ManualTriageRequired(case_number=case.case_number, best_guess=None,
                                                     confidence=0.0, reason=case.reason))
        return
    in_force = catalogues.at(case.district, case.catalogue_version)  # the version the case was registered under
    why = f"：{event.reason}" if event.reason else ""
    await dispatch(unit, case=case, in_force=in_force, lead=lead, assisting=assisting,
                   reason=f"重办（第 {event.round} 轮）{why}")


def request_of(case: store.RoutedCase) -> RoutingRequest:
    return RoutingRequest(district=case.district, problem_kind=case.problem_kind, description=case.description,
                          matter_code=case.matter_code)


async def apply_decision(unit: Unit, *, case: store.RoutedCase, in_force: InForce,
                         decision: RoutingDecision | SupervisorReferral, work_order_id: str = "",
                         first: bool = False) -> None:
    if isinstance(decision, SupervisorReferral):
        await refer_to_supervisor(unit, case=case, referral=decision, work_order_id=work_order_id)
        return
    case.reason, case.confidence, case.best_guess = decision.reason_zh, decision.confidence, decision.lead
    case.tier = decision.tier.value
    case.green_channel = case.green_channel or decision.urgent  # the kind itself may mean 特事特办
    if decision.outcome is Outcome.routed:
        assert decision.lead is not None  # a routed decision always names its lead
        await dispatch(unit, case=case, in_force=in_force, lead=decision.lead, assisting=decision.assisting,
                       reason=decision.reason_zh, first=first)
    elif decision.outcome is Outcome.manual_triage:
        case.state = "manual_triage"
        await _emit(unit, case, ManualTriageRequired(case_number=case.case_number, best_guess=decision.lead,
                                                     confidence=decision.confidence, reason=decision.reason_zh))
    else:
        case.state = "referred"
        targets = [ReferralTarget(code=t.code, name=t.name, kind=t.kind.value) for t in decision.referral_targets]
        case.referral = [t.model_dump() for t in targets]
        await _emit(unit, case, OutOfScopeReferralAdvised(
            case_number=case.case_number, targets=targets, explanation=decision.reasons[0].zh,
            reason=decision.reason_en))


async def dispatch(unit: Unit, *, case: store.RoutedCase, in_force: InForce, lead: str,
                   assisting: Sequence[str], reason: str, first: bool = False) -> list[store.WorkOrder]:
    """Work orders for the lead and the assisting departments that have no live order of the case yet
    (``first``: the case is new in this transaction, has no order at all, so there is nothing to look
    up, and its orders go in at commit with the batch's others, in one statement)."""
    for code in (lead, *assisting):
        in_force.catalogue.department(code)  # NotFound for a department the directory lacks
    existing = [] if first else await store.work_orders_of_case(unit.session, case_id=case.case_id)
    live = {o.department: o for o in existing if o.state in OPEN}
    if lead in live and live[lead].role == Role.lead:
        raise InvalidTransition(en=f"{lead} already leads case {case.case_number}",
                                zh=f"{lead} 已是案件 {case.case_number} 的主办部门")
    # The case goes to a new lead (its last one returned it): assisting orders the new routing does not keep end.
    for code, order in list(live.items()):
        if order.role == Role.assisting and (code == lead or code not in assisting):
            await _end_assisting(unit, case, order, reason=reason)
            del live[code]
    case.state = "routed"
    case.route = [*case.route, lead]
    tier = Tier.complex.value if assisting else case.tier
    green = in_force.district.policy.green_channel
    if case.green_channel and green.tier:
        tier = green.tier  # 绿色通道: the pack's own tier for its orders
    priority = green.priority if case.green_channel else 0
    matter = case.matter_code if case.matter_code in {m.code for m in in_force.catalogue.matters} else None
    orders = []
    for code, role in [(lead, Role.lead), *((c, Role.assisting) for c in assisting if c not in live and c != lead)]:
        order = (plain_row if first else new_row)(
            store.WorkOrder, case_id=case.case_id, case_number=case.case_number,
            district=case.district, hall=case.hall, department=code, role=role.value, matter_code=matter,
            tier=tier, state=WorkOrderState.dispatched.value, reason=reason, round=case.round,
            green_channel=case.green_channel, priority=priority)
        if first:
            insert_at_commit(unit.session, order)
        else:
            unit.session.add(order)
        dispatched = await _emit(unit, case, WorkOrderDispatched(
            work_order_id=order.id, case_number=case.case_number, department=code, role=role.value,
            matter_code=matter, tier=tier, reason=reason, catalogue_version=in_force.version, round=case.round,
            green_channel=case.green_channel, priority=priority))
        await unit.forward(dispatched, topic=department_topic(code))
        orders.append(order)
    return orders


async def _end_assisting(unit: Unit, case: store.RoutedCase, order: store.WorkOrder, *, reason: str) -> None:
    """An assisting order (协办) whose lead returned the case, now routed elsewhere: cancelled (撤销), its
    department told on its own feed (and the coordinator holding it, if escalated)."""
    apply(order, cancel(to_domain(order), at=now_utc()))
    cancelled = await _emit(unit, case, WorkOrderCancelled(
        work_order_id=order.id, case_number=order.case_number, department=order.department, cause="lead_returned",
        reason=reason))
    for feed in {order.department, order.coordinator or order.department}:
        await unit.forward(cancelled, topic=department_topic(feed))


async def assign(unit: Unit, *, case: store.RoutedCase, lead: str, assisting: Sequence[str], actor: str,
                 supervisor: bool, catalogues: Catalogues) -> None:
    """Staff resolve manual triage (人工研判) or overrule an out-of-scope advice (the case is a government
    service after all), or a supervisor decides a bounced case.

    Staff sending the case back to a department it already left is ping-pong: a supervisor decides instead.
    """
    allowed = ("manual_triage", "referred", "supervisor") if supervisor else ("manual_triage", "referred")
    if case.state not in allowed:
        raise InvalidTransition(en=f"case {case.case_number} is {case.state}, not waiting for "
                                   f"{'a supervisor' if supervisor else 'manual triage'}",
                                zh=f"案件 {case.case_number} 当前状态为 {case.state}，"
                                   f"无需{'督办' if supervisor else '人工研判'}派单")
    in_force = catalogues.at(case.district, case.catalogue_version)
    for code in (lead, *assisting):
        in_force.catalogue.department(code)
    if not supervisor:
        referral = check_reroute(route=case.route, proposed=lead)
        if referral is not None:
            await refer_to_supervisor(unit, case=case, referral=referral, work_order_id="")
            return
    who = "督办专员" if supervisor else "窗口人员"
    overruled = "否决范围外建议，" if case.state == "referred" else ""
    await dispatch(unit, case=case, in_force=in_force, lead=lead, assisting=assisting,
                   reason=f"{who} {actor} {overruled}指定 {in_force.catalogue.department(lead).name} 主办")


async def reroute(unit: Unit, *, case: store.RoutedCase, returned: store.WorkOrder, catalogues: Catalogues) -> None:
    """After the lead's return: another department, the coordinator, staff, or a supervisor (ping-pong)."""
    in_force = catalogues.at(case.district, case.catalogue_version)
    known = {m.code for m in in_force.catalogue.matters}
    request = request_of(case)
    if case.matter_code not in known:
        request = RoutingRequest(district=case.district, problem_kind=case.problem_kind,
                                 description=case.description)
    try:
        decision = reroute_after_return(
            router=in_force.router, request=request, route=case.route,
            returns=[ReturnReason(r) for r in case.returns],
            coordinator=in_force.catalogue.coordinator(Level.district).code, policy=in_force.district.policy.returns)
    except NotFound as unknown:
        case.state, case.reason = "manual_triage", unknown.message_zh
        await _emit(unit, case, ManualTriageRequired(case_number=case.case_number, best_guess=None,
                                                     confidence=0.0, reason=unknown.message_zh))
        return
    await apply_decision(unit, case=case, in_force=in_force, decision=decision, work_order_id=returned.id)


async def refer_to_supervisor(unit: Unit, *, case: store.RoutedCase, referral: SupervisorReferral,
                              work_order_id: str) -> None:
    case.state, case.reason = "supervisor", referral.reason.zh
    if referral.reason.code == "ping_pong":
        event = PingPongDetected(work_order_id=work_order_id, case_number=case.case_number,
                                 departments=list(referral.route))
    else:
        event = SupervisorReviewRequired(work_order_id=work_order_id, case_number=case.case_number,
                                         departments=list(referral.route), reason=referral.reason.zh)
    await _emit(unit, case, event)


async def _emit(unit: Unit, case: store.RoutedCase, event: Event, actor: str = ROUTING) -> Envelope:
    return await unit.emit(event, topic=WORKORDER_EVENTS, case_id=case.case_id, district=case.district,
                           hall=case.hall, actor=actor)
