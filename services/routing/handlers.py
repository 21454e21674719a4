"""Routing's subscribers, two consumer groups:

- ``routing`` on the case stream: a forwarded case (登记转发) becomes work orders on the departments' topics;
  a withdrawn (撤回), merged (并单) or out-of-scope referred (不属于受理范围) case has its open work orders
  cancelled (撤销).
- ``routing-commands`` on ``bancheng.dept.commands``: departments' own systems sign for, reply, return,
  ask for extensions and compose case replies. Each command carries its sender's access token in the
  record's `authorization` header; a command without a valid one, or about another department's work
  order, raises (CommandRefused, WrongDepartment), so it is dead-lettered with the reason and nothing changes.
- ``routing-calendar`` on the SLA stream: the working-day overrides sla announces, stored so the return window
  (退单时限) counts the days sla's deadlines count; and each work order's own deadline as sla arms it (again at
  sign-for, resumption, extension), none while paused, so the department's work order shows it.

Beside them, without a group, `follow_district_packs` applies every published district pack version.
"""

from functools import partial
from typing import TYPE_CHECKING

from shared.auth.bus import CommandRefused, command_sender, require_command
from shared.auth.policy import Scope
from shared.consuming import Consumer, Unit
from shared.districts.live import follow_packs
from shared.envelope import Envelope
from shared.events.calendar import WorkingDayOverridesChanged
from shared.events.case import CaseForwarded, CaseMerged, CaseReferredOutOfScope, CaseWithdrawn
from shared.events.commands import (
    ComposeCaseReply,
    ReplyToWorkOrder,
    RequestExtension,
    ReturnWorkOrder,
    SignForWorkOrder,
)
from shared.events.sla import DeadlineArmed, DeadlinePaused
from shared.topics import CASE_EVENTS, DEPARTMENT_COMMANDS, SLA_EVENTS
from services.routing import store
from services.routing.store import actions
from services.routing.store.calendar import store_overrides
from services.routing.store.catalogues import Catalogues
from services.routing.store.dispatching import route_forwarded_case

if TYPE_CHECKING:
    from services.routing.app import RoutingRuntime


async def on_case_forwarded_dispatch_work_orders(event: CaseForwarded, envelope: Envelope, unit: Unit, *,
                                                 catalogues: Catalogues) -> None:
    await route_forwarded_case(unit, event=event, case_id=envelope.case_id, district=envelope.district,
                               hall=envelope.hall, catalogues=catalogues)


async def on_case_ended_cancel_open_work_orders(event: CaseWithdrawn | CaseMerged | CaseReferredOutOfScope,
                                                envelope: Envelope, unit: Unit) -> None:
    await actions.cancel_case(unit, case_id=envelope.case_id, ended=event, actor=envelope.actor,
                              at=envelope.occurred_at)


async def sender(unit: Unit, *, department: str, work_order_id: str | None = None) -> str:
    """The verified sender of the command being applied: a principal of `department`, the department of the
    work order (or of the case's lead), in its district. Anything else raises CommandRefused (dead-lettered)."""
    principal = await command_sender(unit.record.headers if unit.record is not None else ())
    if work_order_id is not None:
        row = await actions.load(unit.session, work_order_id)
        scope = Scope(district=row.district, department=row.department)
    else:
        case = await store.routed_case(unit.session, case_id=unit.cause.case_id) if unit.cause else None
        scope = Scope(district=case.district if case else None, department=department)
    require_command(principal, "workorder.handle", scope)
    if principal.department != department:
        raise CommandRefused(f"{principal.actor} of department {principal.department} sent a command in the name "
                             f"of {department}")
    unit.acting = principal
    return principal.actor


async def on_sign_for_command_sign_for_work_order(event: SignForWorkOrder, envelope: Envelope, unit: Unit) -> None:
    actor = await sender(unit, department=event.department, work_order_id=event.work_order_id)
    await actions.sign_for(unit, work_order_id=event.work_order_id, department=event.department, actor=actor)


async def on_reply_command_reply_to_work_order(event: ReplyToWorkOrder, envelope: Envelope, unit: Unit) -> None:
    actor = await sender(unit, department=event.department, work_order_id=event.work_order_id)
    await actions.reply(unit, work_order_id=event.work_order_id, department=event.department, text=event.reply,
                        actor=actor)


async def on_return_command_return_and_reroute(event: ReturnWorkOrder, envelope: Envelope, unit: Unit, *,
                                               catalogues: Catalogues) -> None:
    actor = await sender(unit, department=event.department, work_order_id=event.work_order_id)
    await actions.return_order(unit, work_order_id=event.work_order_id, department=event.department,
                               reason=event.reason, note=event.note, actor=actor, catalogues=catalogues)


async def on_extension_command_ask_a_supervisor(event: RequestExtension, envelope: Envelope, unit: Unit) -> None:
    actor = await sender(unit, department=event.department, work_order_id=event.work_order_id)
    await actions.request_extension(unit, work_order_id=event.work_order_id, department=event.department,
                                    new_due_at=event.requested_due_at, legal_basis=event.legal_basis,
                                    reason=event.reason, actor=actor)


async def on_compose_command_reply_to_the_case(event: ComposeCaseReply, envelope: Envelope, unit: Unit) -> None:
    actor = await sender(unit, department=event.department)
    await actions.compose_case_reply(unit, case_id=envelope.case_id, department=event.department, text=event.reply,
                                     actor=actor)


async def on_working_day_overrides_changed_count_with_them(event: WorkingDayOverridesChanged, envelope: Envelope,
                                                            unit: Unit) -> None:
    await store_overrides(unit.session, event, announced_at=envelope.occurred_at)


async def on_work_order_deadline_show_it_on_the_order(event: DeadlineArmed | DeadlinePaused, envelope: Envelope,
                                                     unit: Unit) -> None:
    """The SLA stream is keyed by case, so a work order's arming and pausing arrive in order: the last one holds."""
    if event.subject == "work_order":
        due_at = event.due_at if isinstance(event, DeadlineArmed) else None
        await store.set_due_at(unit.session, work_order_id=event.subject_id, due_at=due_at)


async def follow_district_packs(runtime: "RoutingRuntime") -> None:
    """Every published district pack version, compiled into the catalogues as it comes (shared/districts/live.py)."""
    await follow_packs(runtime.kafka, service=runtime.name, apply=runtime.catalogues.apply)


def subscribers(runtime: "RoutingRuntime") -> list[Consumer]:
    """Routing's consumer groups, each with its handlers; those that route count with the runtime's catalogues."""
    catalogues = runtime.catalogues
    cases = Consumer("routing", topics=[CASE_EVENTS])
    commands = Consumer("routing-commands", topics=[DEPARTMENT_COMMANDS])
    calendar = Consumer("routing-calendar", topics=[SLA_EVENTS])
    cases.on(CaseForwarded)(partial(on_case_forwarded_dispatch_work_orders, catalogues=catalogues))
    cases.on(CaseMerged)(on_case_ended_cancel_open_work_orders)
    cases.on(CaseWithdrawn)(on_case_ended_cancel_open_work_orders)
    cases.on(CaseReferredOutOfScope)(on_case_ended_cancel_open_work_orders)
    commands.on(SignForWorkOrder)(on_sign_for_command_sign_for_work_order)
    commands.on(ReplyToWorkOrder)(on_reply_command_reply_to_work_order)
    commands.on(ReturnWorkOrder)(partial(on_return_command_return_and_reroute, catalogues=catalogues))
    commands.on(RequestExtension)(on_extension_command_ask_a_supervisor)
    commands.on(ComposeCaseReply)(on_compose_command_reply_to_the_case)
    calendar.on(WorkingDayOverridesChanged)(on_working_day_overrides_changed_count_with_them)
    calendar.on(DeadlineArmed)(on_work_order_deadline_show_it_on_the_order)
    calendar.on(DeadlinePaused)(on_work_order_deadline_show_it_on_the_order)
    return [cases, commands, calendar]
