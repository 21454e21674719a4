"""Notify's subscribers: events become delivery requests on channel topics; channel workers deliver."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.notification import NotificationDelivered, NotificationRequested
from shared.events.workorder import WorkOrderDispatched
from shared.topics import NOTIFY_RESULTS, WORKORDER_EVENTS, channel_topic
from services.notify import store
from services.notify.config import get_settings

consumer = Consumer("notify", topics=[WORKORDER_EVENTS])
file_worker = Consumer("notify.file", topics=[channel_topic("file")])


@consumer.on(WorkOrderDispatched)
async def on_work_order_dispatched_tell_department(event: WorkOrderDispatched, envelope: Envelope, unit: Unit) -> None:
    recipient = f"department:{event.department}"
    delivery_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{envelope.id}/{recipient}/file"))
    unit.session.add(
        store.Delivery(
            delivery_id=delivery_id, case_id=envelope.case_id, channel="file", recipient=recipient, template="dispatched"
        )
    )
    await unit.emit(
        NotificationRequested(
            delivery_id=delivery_id,
            channel="file",
            recipient=recipient,
            address=str(get_settings().file_sink),
            template="dispatched",
            subject=f"新工单 {event.case_number}",
            body=f"案件 {event.case_number} 已转办至贵单位（{event.role}），请及时签收。",
            trigger_event_id=str(envelope.id),
        ),
        topic=channel_topic("file"),
    )


@file_worker.on(NotificationRequested)
async def on_file_notification_requested_append_to_sink(
    event: NotificationRequested, envelope: Envelope, unit: Unit
) -> None:
    delivery = await unit.session.get(store.Delivery, event.delivery_id)
    if delivery is None or delivery.state == "delivered":
        return
    sink = Path(event.address)
    sink.parent.mkdir(parents=True, exist_ok=True)
    with sink.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"delivery_id": event.delivery_id, "subject": event.subject, "body": event.body}, ensure_ascii=False) + "\n")
    delivery.state, delivery.attempts, delivery.delivered_at = "delivered", delivery.attempts + 1, datetime.now(UTC)
    unit.session.add(delivery)
    await unit.emit(
        NotificationDelivered(
            delivery_id=event.delivery_id, channel="file", recipient=event.recipient, attempts=delivery.attempts
        ),
        topic=NOTIFY_RESULTS,
    )
