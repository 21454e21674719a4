"""Routing's subscribers: a forwarded case becomes work orders on the departments' topics."""

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.case import CaseForwarded
from shared.events.workorder import WorkOrderDispatched
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS, department_topic
from services.routing import store

consumer = Consumer("routing", topics=[CASE_EVENTS])


@consumer.on(CaseForwarded)
async def on_case_forwarded_dispatch_work_orders(event: CaseForwarded, envelope: Envelope, unit: Unit) -> None:
    reason = "walking path: every case to the coordinator"  # replaced by the matter catalogue rules
    for department, role in [("coordinator", "lead")]:
        order = store.WorkOrder(
            case_id=envelope.case_id,
            case_number=event.case_number,
            district=envelope.district,
            hall=envelope.hall,
            department=department,
            role=role,
            matter_code=event.matter_code,
            tier=event.tier,
            state="dispatched",
            reason=reason,
        )
        unit.session.add(order)
        dispatched = await unit.emit(
            WorkOrderDispatched(
                work_order_id=order.id,
                case_number=event.case_number,
                department=department,
                role=role,
                matter_code=event.matter_code,
                tier=event.tier,
                reason=reason,
            ),
            topic=WORKORDER_EVENTS,
        )
        await unit.forward(dispatched, topic=department_topic(department))
