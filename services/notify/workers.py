"""Channel workers: one consumer group per channel topic (`notify.<channel>`), so a channel is a subscriber.

A worker only queues: it records the request under its delivery id (a redelivered request finds the id
taken and changes nothing) with the time it is due, and wakes the dispatcher after the commit. Sending,
retries and dead letters are the dispatcher's (dispatch.py), so they survive restarts.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import event as sa_event

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events.notification import NotificationRequested
from shared.topics import channel_topic
from services.notify import store


def channel_worker(channel: str, *, on_queued: Callable[[], None]) -> Consumer:
    worker = Consumer(f"notify.{channel}", topics=[channel_topic(channel)])

    @worker.on(NotificationRequested)
    async def on_notification_requested_queue_delivery(
        event: NotificationRequested, envelope: Envelope, unit: Unit
    ) -> None:
        row = await unit.session.get(store.Delivery, event.delivery_id)
        if row is None:  # planned by another notify instance (a worker with a database of its own)
            row = store.Delivery(
                delivery_id=event.delivery_id, case_id=envelope.case_id, channel=event.channel,
                recipient=event.recipient, template=event.template, event_type=event.trigger_event_type,
            )
        elif row.state != "requested":
            return  # already queued, sent or failed: a redelivered request sends nothing twice
        row.state, row.due_at = "pending", event.not_before or datetime.now(UTC)
        row.request = envelope.model_dump_json()
        unit.session.add(row)
        _wake_after_commit(unit, on_queued)

    return worker


def _wake_after_commit(unit: Unit, wake: Callable[[], None]) -> None:
    session = unit.session
    if not session.info.get("notify_wake"):
        session.info["notify_wake"] = True
        sa_event.listen(session.sync_session, "after_commit", lambda _session: wake(), once=True)
