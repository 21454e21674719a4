"""SLA events (deadlines in working days). Producer: sla. Consumers: intake, notify, audit.

`subject` says whose deadline: the case's reply to the citizen, or one work order.
"""

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.events.base import Event

Subject = Literal["case", "work_order"]


class DeadlineArmed(Event):
    """A deadline was armed (or re-armed after a pause, an extension or a calendar change)."""

    type = "sla.deadline_armed"

    subject: Subject
    subject_id: str
    department: str | None = None
    tier: str
    due_at: AwareDatetime | None = Field(description="None while the clock is paused")
    assumed_weekdays: bool = Field(
        default=False, description="True when the calendar did not know a year: weekdays were assumed"
    )
    change: str | None = Field(
        default=None,
        description="Why it was armed again; None the first time",
        examples=["signed_for", "resumed", "extended", "calendar_changed"],
    )
    extension_working_days: int = Field(default=0, description="Approved extensions (延期) so far, in working days")


class DeadlineWarned(Event):
    """A warning point was reached before the deadline (e.g. half-time, one working day before)."""

    type = "sla.warning"

    subject: Subject
    subject_id: str
    department: str | None = None
    warning: str = Field(examples=["half_time", "one_day_before"])
    due_at: AwareDatetime


class CardIssued(Event):
    """A yellow card at the deadline, or a red card past the margin or after repeated returns."""

    type = "sla.card_issued"

    subject: Subject
    subject_id: str
    department: str | None = None
    colour: Literal["yellow", "red"]
    reason: str = Field(examples=["overdue", "overdue_past_margin", "repeated_returns"])
    due_at: AwareDatetime | None = None
    supervision_id: str


class DeadlinePaused(Event):
    type = "sla.paused"

    subject: Subject
    subject_id: str
    reason: str


class DeadlineClosed(Event):
    """The subject was answered: the deadline stops, met or late."""

    type = "sla.closed"

    subject: Subject
    subject_id: str
    department: str | None = None
    on_time: bool


class UrgingNoticeSent(Event):
    """A supervision item (督办) urged the responsible department."""

    type = "sla.urging_notice_sent"

    supervision_id: str
    subject: Subject
    subject_id: str
    department: str | None = None
    note: str
