"""SLA events (deadlines in working days). Producer: sla. Consumers: intake, notify, audit."""

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.events.base import Event


class DeadlineArmed(Event):
    """A deadline was armed for a case's reply or a work order."""

    type = "sla.deadline_armed"

    subject: Literal["case", "work_order"]
    subject_id: str
    department: str | None = None
    tier: str
    due_at: AwareDatetime
    assumed_weekdays: bool = Field(
        default=False, description="True when the calendar did not know a year: weekdays were assumed"
    )
