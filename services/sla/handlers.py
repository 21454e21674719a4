"""The SLA service's subscribers: a dispatched work order arms a deadline in working days."""

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.sla import DeadlineArmed
from shared.events.workorder import WorkOrderDispatched
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from services.sla import store
from services.sla.deadlines import due_for

consumer = Consumer("sla", topics=[WORKORDER_EVENTS])


@consumer.on(WorkOrderDispatched)
async def on_work_order_dispatched_arm_deadline(event: WorkOrderDispatched, envelope: Envelope, unit: Unit) -> None:
    due = due_for(tier=event.tier, start=envelope.occurred_at)
    deadline = store.Deadline(
        case_id=envelope.case_id,
        subject="work_order",
        subject_id=event.work_order_id,
        department=event.department,
        district=envelope.district,
        tier=event.tier,
        started_at=envelope.occurred_at,
        due_at=due.due_at,
        assumed_weekdays=due.assumed_weekdays,
    )
    unit.session.add(deadline)
    await unit.emit(
        DeadlineArmed(
            subject="work_order",
            subject_id=event.work_order_id,
            department=event.department,
            tier=event.tier,
            due_at=due.due_at,
            assumed_weekdays=due.assumed_weekdays,
        ),
        topic=SLA_EVENTS,
    )
