"""Channel workers: one consumer group per channel topic (`notify.<channel>`), so a channel is a subscriber.

A worker only queues: it records each request under its delivery id (a redelivered request finds the id
taken and changes nothing) with the time it is due, and wakes the dispatcher after the commit. Sending,
retries and dead letters are the dispatcher's (dispatch.py), so they survive restarts.

A whole consumed batch is queued with one read and two bulk writes: the read comes first and the
writes last, so on SQLite the write lock is held for the writes alone, not for the batch's decoding.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import event as sa_event

from shared.consuming import Consumer, Fresh, Unit
from shared.events.notification import NotificationRequested
from shared.topics import channel_topic
from services.notify import store

DELIVERY = store.Delivery.__table__


def channel_worker(channel: str, *, on_queued: Callable[[], None]) -> Consumer:
    worker = Consumer(f"notify.{channel}", topics=[channel_topic(channel)])

    @worker.on_every_batch
    async def on_notification_requests_queue_deliveries(fresh: Fresh, unit: Unit) -> None:
        requests = [
            (envelope, envelope.event()) for envelope, _record in fresh if envelope.type == NotificationRequested.type
        ]
        if not requests:
            return
        connection = await unit.session.connection()
        ids = [request.delivery_id for _, request in requests]
        states = dict((await connection.execute(
            select(DELIVERY.c.delivery_id, DELIVERY.c.state).where(DELIVERY.c.delivery_id.in_(ids))
        )).all())
        now = datetime.now(UTC)
        new, planned = [], []
        for envelope, request in requests:
            state = states.get(request.delivery_id)
            if state is not None and state != "requested":
                continue  # already queued, sent or failed: a redelivered request sends nothing twice
            states[request.delivery_id] = "pending"
            queued = {"id": request.delivery_id, "due": request.not_before or now, "body": envelope.model_dump_json()}
            if state is None:  # planned by another notify instance (a worker with a database of its own)
                new.append({**queued, "case_id": envelope.case_id, "channel": request.channel,
                            "recipient": request.recipient, "template": request.template,
                            "event_type": request.trigger_event_type, "created_at": now})
            else:
                planned.append(queued)
        if planned:
            await connection.execute(
                update(DELIVERY).where(DELIVERY.c.delivery_id == bindparam("id"))
                .values(state="pending", due_at=bindparam("due"), request=bindparam("body")),
                planned,
            )
        if new:
            await connection.execute(
                insert(DELIVERY).values(delivery_id=bindparam("id"), due_at=bindparam("due"), request=bindparam("body"),
                                       state="pending", attempts=0),
                new,
            )
        _wake_after_commit(unit, on_queued)

    return worker


def _wake_after_commit(unit: Unit, wake: Callable[[], None]) -> None:
    session = unit.session
    if not session.info.get("notify_wake"):
        session.info["notify_wake"] = True
        sa_event.listen(session.sync_session, "after_commit", lambda _session: wake(), once=True)
