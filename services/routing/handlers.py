"""Routing's subscribers, two consumer groups:

- ``routing`` on the case stream: a forwarded case (登记转发) becomes work orders on the departments' topics;
  a withdrawn (撤回) or merged (并单) case has its open work orders cancelled (撤销).
- ``routing-commands`` on ``bancheng.dept.commands``: departments' own systems sign for, reply, return,
  ask for extensions and compose case replies. A command about another department's work order raises
  (WrongDepartment), so it is dead-lettered with the reason and nothing changes.
"""

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.case import CaseForwarded, CaseMerged, CaseWithdrawn
from shared.events.commands import (ComposeCaseReply, ReplyToWorkOrder, RequestExtension, ReturnWorkOrder,
                                    SignForWorkOrder)
from shared.topics import CASE_EVENTS, DEPARTMENT_COMMANDS
from services.routing import actions
from services.routing.dispatching import route_forwarded_case
from services.routing.domain.errors import WrongDepartment

consumer = Consumer("routing", topics=[CASE_EVENTS])
commands = Consumer("routing-commands", topics=[DEPARTMENT_COMMANDS])


@consumer.on(CaseForwarded)
async def on_case_forwarded_dispatch_work_orders(event: CaseForwarded, envelope: Envelope, unit: Unit) -> None:
    await route_forwarded_case(unit, event=event, case_id=envelope.case_id, district=envelope.district,
                               hall=envelope.hall)


@consumer.on(CaseWithdrawn)
@consumer.on(CaseMerged)
async def on_case_withdrawn_or_merged_cancel_open_work_orders(event: CaseWithdrawn | CaseMerged, envelope: Envelope,
                                                              unit: Unit) -> None:
    await actions.cancel_case(unit, case_id=envelope.case_id, ended=event, actor=envelope.actor,
                              at=envelope.occurred_at)


def sender(envelope: Envelope, department: str) -> str:
    """The acting department; a command signed by one department but naming another is refused."""
    prefix = "department:"
    if envelope.actor.startswith(prefix) and envelope.actor.removeprefix(prefix) != department:
        raise WrongDepartment(en=f"{envelope.actor} sent a command in the name of {department}",
                              zh=f"{envelope.actor} 不能以 {department} 的名义发送指令")
    return envelope.actor or f"{prefix}{department}"


@commands.on(SignForWorkOrder)
async def on_sign_for_command_sign_for_work_order(event: SignForWorkOrder, envelope: Envelope, unit: Unit) -> None:
    await actions.sign_for(unit, work_order_id=event.work_order_id, department=event.department,
                           actor=sender(envelope, event.department))


@commands.on(ReplyToWorkOrder)
async def on_reply_command_reply_to_work_order(event: ReplyToWorkOrder, envelope: Envelope, unit: Unit) -> None:
    await actions.reply(unit, work_order_id=event.work_order_id, department=event.department, text=event.reply,
                        actor=sender(envelope, event.department))


@commands.on(ReturnWorkOrder)
async def on_return_command_return_and_reroute(event: ReturnWorkOrder, envelope: Envelope, unit: Unit) -> None:
    await actions.return_order(unit, work_order_id=event.work_order_id, department=event.department,
                               reason=event.reason, note=event.note, actor=sender(envelope, event.department))


@commands.on(RequestExtension)
async def on_extension_command_ask_a_supervisor(event: RequestExtension, envelope: Envelope, unit: Unit) -> None:
    await actions.request_extension(unit, work_order_id=event.work_order_id, department=event.department,
                                    new_due_at=event.requested_due_at, legal_basis=event.legal_basis,
                                    reason=event.reason, actor=sender(envelope, event.department))


@commands.on(ComposeCaseReply)
async def on_compose_command_reply_to_the_case(event: ComposeCaseReply, envelope: Envelope, unit: Unit) -> None:
    await actions.compose_case_reply(unit, case_id=envelope.case_id, department=event.department, text=event.reply,
                                     actor=sender(envelope, event.department))
