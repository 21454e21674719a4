"""Map a stored work order to the domain's immutable WorkOrder and back."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from services.routing import store
from services.routing.domain.catalogue import Level
from services.routing.domain.work_order import (
    CoordinationMeeting,
    Escalation,
    Extension,
    Role,
    WorkOrder,
    WorkOrderState,
)


def to_domain(row: store.WorkOrder) -> WorkOrder:
    return WorkOrder(
        work_order_id=row.id, case_id=row.case_id, department=row.department, role=Role(row.role),
        state=WorkOrderState(row.state), dispatched_at=row.created_at, due_at=row.due_at, signed_at=row.signed_at,
        reply=row.reply, replied_by=row.replied_by, replied_at=row.replied_at, return_reason=row.return_reason,
        return_note=row.return_note, returned_at=row.returned_at, cancelled_at=row.cancelled_at,
        extensions=tuple(Extension(**_times(e, "requested_at", "new_due_at", "decided_at")) for e in row.extensions),
        escalations=tuple(Escalation(**{**_times(e, "at"), "level": Level(e["level"])}) for e in row.escalations),
        meetings=tuple(CoordinationMeeting(**{**_times(m, "held_at"), "participants": tuple(m["participants"])})
                       for m in row.meetings),
    )


def apply(row: store.WorkOrder, order: WorkOrder) -> None:
    """Copy the domain's new state onto the row (lists are reassigned so the JSON columns are saved)."""
    row.state = order.state.value
    row.due_at, row.signed_at = order.due_at, order.signed_at
    row.reply, row.replied_by, row.replied_at = order.reply, order.replied_by, order.replied_at
    row.return_reason, row.return_note, row.returned_at = order.return_reason, order.return_note, order.returned_at
    row.cancelled_at = order.cancelled_at
    row.extensions = [_json(asdict(e)) for e in order.extensions]
    row.escalations = [_json(asdict(e)) for e in order.escalations]
    row.meetings = [_json(asdict(m)) for m in order.meetings]
    row.coordinator = order.escalations[-1].coordinator if order.escalations else None


def _json(values: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, tuple):
            return list(value)
        return getattr(value, "value", value)  # enums

    return {key: plain(value) for key, value in values.items()}


def _times(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**values, **{n: datetime.fromisoformat(values[n]) for n in names if values.get(n)}}
