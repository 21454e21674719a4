"""Intake's subscribers: routing's work orders and sla's cards move and annotate its cases.

The case is replied (答复) when routing says every work order is answered and the lead
department composed the reply (`workorder.case_reply_composed`): the simplest saga, intake
follows, routing decides. Events for cases this database does not hold are ignored.
"""

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.sla import CardIssued
from shared.events.workorder import CaseReplyComposed, WorkOrderDispatched, WorkOrderReplied, WorkOrderReturned
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from services.intake import store
from services.intake.actions import act_on_case
from services.intake.domain.lifecycle import ActionKind
from services.intake.schemas import ActionIn

consumer = Consumer("intake", topics=[WORKORDER_EVENTS, SLA_EVENTS])


@consumer.on(WorkOrderDispatched)
async def on_work_order_dispatched_list_it_on_the_case(
    event: WorkOrderDispatched, envelope: Envelope, unit: Unit
) -> None:
    if await store.get_case(unit.session, case_id=envelope.case_id) is None:
        return
    row = await unit.session.get(store.CaseWorkOrder, event.work_order_id)
    row = row or store.CaseWorkOrder(work_order_id=event.work_order_id, case_id=envelope.case_id,
                                     department=event.department, role=event.role)
    row.state = "dispatched"
    unit.session.add(row)


async def _mark_work_order(unit: Unit, work_order_id: str, state: str) -> None:
    row = await unit.session.get(store.CaseWorkOrder, work_order_id)
    if row is not None:
        row.state = state
        unit.session.add(row)


@consumer.on(WorkOrderReplied)
async def on_work_order_replied_mark_it_replied(event: WorkOrderReplied, envelope: Envelope, unit: Unit) -> None:
    await _mark_work_order(unit, event.work_order_id, "replied")


@consumer.on(WorkOrderReturned)
async def on_work_order_returned_mark_it_returned(event: WorkOrderReturned, envelope: Envelope, unit: Unit) -> None:
    await _mark_work_order(unit, event.work_order_id, "returned")


@consumer.on(CaseReplyComposed)
async def on_case_reply_composed_reply_to_the_citizen(
    event: CaseReplyComposed, envelope: Envelope, unit: Unit
) -> None:
    """Every work order is answered: the case is replied. An illegal step (the case was withdrawn
    meanwhile) raises, so the record goes to the dead-letter topic with the reason for staff."""
    case = await store.get_case(unit.session, case_id=envelope.case_id)
    if case is None or case.state == "replied":
        return
    reply = ActionIn(action=ActionKind.record_reply, reason=event.reply)
    await act_on_case(unit, case=case, action_in=reply, actor=f"department:{event.lead_department}",
                      now=envelope.occurred_at)


@consumer.on(CardIssued)
async def on_card_issued_show_it_on_the_case(event: CardIssued, envelope: Envelope, unit: Unit) -> None:
    if await store.get_case(unit.session, case_id=envelope.case_id) is None:
        return
    if await unit.session.get(store.CaseCard, (event.supervision_id, event.colour)) is None:
        unit.session.add(store.CaseCard(
            supervision_id=event.supervision_id, colour=event.colour, case_id=envelope.case_id,
            subject=event.subject, department=event.department, reason=event.reason,
            issued_at=envelope.occurred_at,
        ))
