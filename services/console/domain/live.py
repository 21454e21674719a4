"""Live changes (实时更新): what a consumed event becomes for the browsers, and who may see it.

A change is small: which case, where (district, hall, department), its new state or card colour. No personal
data travels (the case stream carries none, and the contacts topic is not read). Who sees a change is decided
by the same policy table the services decide reads by (shared/auth/policy.py): a change of a case is
visible where `case.read` reaches it (a clerk's hall, a supervisor's district); of a work order where
`workorder.read` or `routing.read` does (the department's staff, the hall's clerks, the district's readers);
of a deadline or card also where `deadline.read` or `supervision.read` does.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.auth.policy import Scope, allows
from shared.auth.principal import Principal
from shared.topics import CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS

# The permissions whose reach makes a change on each topic visible.
READ_BY_TOPIC: dict[str, tuple[str, ...]] = {
    CASE_EVENTS: ("case.read",),
    WORKORDER_EVENTS: ("workorder.read", "routing.read"),
    SLA_EVENTS: ("deadline.read", "supervision.read", "workorder.read"),
}
# A work-order event names the state the order is in after it (routing's WorkOrderState).
WORK_ORDER_STATES = {
    "workorder.dispatched": "dispatched",
    "workorder.signed_for": "signed_for",
    "workorder.extension_requested": "extension_requested",
    "workorder.escalated": "escalated",
    "workorder.replied": "replied",
    "workorder.returned": "returned",
    "workorder.cancelled": "cancelled",
}
# Events that change nothing a screen shows: calendar announcements (keyed `calendar`, not a case).
NOT_SHOWN = frozenset({"calendar.working_day_overrides_changed"})


@dataclass(frozen=True, slots=True)
class LiveChange:
    id: str  # the event's: the stream's event id
    type: str
    case_id: str
    district: str
    at: datetime
    permissions: tuple[str, ...]
    case_number: str | None = None
    hall: str | None = None
    department: str | None = None
    state: str | None = None
    colour: str | None = None

    def message(self) -> dict[str, Any]:
        """What the browser receives: the change without the absent fields."""
        shown = {"type": self.type, "case_id": self.case_id, "case_number": self.case_number,
                 "district": self.district, "hall": self.hall, "department": self.department,
                 "state": self.state, "colour": self.colour, "at": self.at.isoformat()}
        return {key: value for key, value in shown.items() if value is not None}


def change_of(topic: str, *, event_id: str, event_type: str, case_id: str, district: str, hall: str | None,
              occurred_at: datetime, data: dict[str, Any]) -> LiveChange | None:
    """The change an event on `topic` shows, or None for a topic or event no screen follows."""
    permissions = READ_BY_TOPIC.get(topic)
    if permissions is None or event_type in NOT_SHOWN:
        return None
    department = data.get("department") or data.get("lead_department")
    state = WORK_ORDER_STATES.get(event_type) if topic == WORKORDER_EVENTS else None
    return LiveChange(
        id=event_id, type=event_type, case_id=case_id, district=district, at=occurred_at, permissions=permissions,
        case_number=_text(data.get("case_number")), hall=hall, department=_text(department),
        state=state, colour=_text(data.get("colour")),
    )


def visible_to(principal: Principal, change: LiveChange) -> bool:
    """Whether the principal's roles reach the change's case, work order or deadline (see the module's doc)."""
    scope = Scope(district=change.district, hall=change.hall, department=change.department)
    return any(allows(principal, permission, scope) for permission in change.permissions)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
