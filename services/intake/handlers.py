"""Intake's subscribers: it follows work-order events to move its cases along."""

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.workorder import WorkOrderDispatched
from shared.topics import WORKORDER_EVENTS
from services.intake import store

consumer = Consumer("intake", topics=[WORKORDER_EVENTS])


@consumer.on(WorkOrderDispatched)
async def on_work_order_dispatched_mark_case_dispatched(
    event: WorkOrderDispatched, envelope: Envelope, unit: Unit
) -> None:
    case = await store.get_case(unit.session, case_id=envelope.case_id)
    if case is not None and case.state == "registered":
        case.state = "dispatched"
        case.updated_at = envelope.occurred_at
        unit.session.add(case)
