"""Queueing a channel worker's requests: each delivery row moves from `requested` to `pending`.

The planner stored the request and its due time in the row already, so queueing a batch is one
statement, `UPDATE … SET state = 'pending' WHERE state = 'requested' RETURNING`. That guard is the dedupe:
a redelivered request, or a copy under a new event id, finds its row past `requested` and changes
nothing, so the worker keeps no applied-id rows (`own_dedupe`). A request whose row is not there (a
worker with a database of its own) is inserted, and a row planned without its request (by a version
before the planner stored it) is filled in.
"""

from datetime import UTC, datetime
from types import ModuleType

from sqlalchemy import Insert, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.envelope import Envelope
from shared.events.notification import NotificationRequested
from shared.personal_data import Keyring
from services.notify.store import tables
from services.notify.store.personal_data import seal_request

DELIVERY = tables.Delivery.__table__
_QUEUE = (
    update(DELIVERY)
    .where(DELIVERY.c.delivery_id.in_(bindparam("ids", expanding=True)), DELIVERY.c.state == "requested",
           DELIVERY.c.request.is_not(None))
    .values(state="pending")
    .returning(DELIVERY.c.delivery_id)
)


def _upsert(dialect: ModuleType) -> Insert:
    """Insert the request's row, or fill one still `requested` without its request (planned before the
    planner stored it); a row past `requested` is left as it is."""
    statement = dialect.insert(DELIVERY)
    return statement.on_conflict_do_update(
        index_elements=[DELIVERY.c.delivery_id], where=DELIVERY.c.state == "requested",
        set_={"state": "pending", "due_at": statement.excluded.due_at, "request": statement.excluded.request},
    )


_UPSERT = {"sqlite": _upsert(sqlite), "postgresql": _upsert(postgresql)}


async def queue_requests(
    connection: AsyncConnection, requests: list[tuple[Envelope, NotificationRequested]], *, keyring: Keyring
) -> None:
    """Move each request's row to `pending`; insert (sealed with `keyring`) the rows this database lacks."""
    ids = [request.delivery_id for _envelope, request in requests]
    queued = set((await connection.execute(_QUEUE, {"ids": ids})).scalars())
    # Redelivered (the row is past `requested`), planned by another notify instance (a worker with a
    # database of its own), or planned before the planner stored requests: one row each, at most.
    unknown: dict[str, tuple[Envelope, NotificationRequested]] = {}
    for envelope, request in requests:
        if request.delivery_id not in queued:
            unknown.setdefault(request.delivery_id, (envelope, request))
    if unknown:
        now = datetime.now(UTC)
        await connection.execute(_UPSERT[connection.dialect.name], [
            _row(envelope, request, now, keyring) for envelope, request in unknown.values()
        ])


def _row(envelope: Envelope, request: NotificationRequested, now: datetime, keyring: Keyring) -> dict[str, object]:
    return {"delivery_id": request.delivery_id, "case_id": envelope.case_id, "channel": request.channel,
            "recipient": request.recipient, "template": request.template, "event_type": request.trigger_event_type,
            "state": "pending", "attempts": 0, "due_at": request.not_before or now, "last_error": None,
            "request": seal_request(keyring, envelope.model_dump_json(), delivery_id=request.delivery_id),
            "created_at": now, "delivered_at": None}
