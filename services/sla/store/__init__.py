"""sla's storage: the tables, the queries, and the write machinery that keeps deadline rows in step with
their schedules and announces each change through the outbox (tracking, cards, recalendar)."""

from services.sla.store.queries import (
    count_assumed_open,
    deadlines_of_case,
    deadlines_of_subjects,
    due_deadlines,
    live_deadlines_of_case,
    notices_of,
    open_calendar_span,
    open_deadlines_of_department,
    open_deadlines_over,
    supervision_items,
    supervision_of_deadline,
    supervision_of_deadlines,
)
from services.sla.store.tables import Deadline, SupervisionItem, UrgingNotice

__all__ = [
    "Deadline",
    "SupervisionItem",
    "UrgingNotice",
    "count_assumed_open",
    "deadlines_of_case",
    "deadlines_of_subjects",
    "due_deadlines",
    "live_deadlines_of_case",
    "notices_of",
    "open_calendar_span",
    "open_deadlines_of_department",
    "open_deadlines_over",
    "supervision_items",
    "supervision_of_deadline",
    "supervision_of_deadlines",
]
