"""The SLA service's tables: deadlines (durable timers), supervision items (督办) and urging notices.

A deadline row keeps what its schedule is computed from (clock start, pauses, extension days), the
keys of the firings already done, and `next_firing_at`: the indexed instant the sweeper looks for.
Closed deadlines have no next firing, so a sweep reads only the rows that are due.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.db import no_items
from shared.ids import new_id


class Deadline(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("subject", "subject_id"),
        # A calendar reload pages through the open deadlines by id; closed ones keep their calendar span,
        # so without it a page walks every deadline ever tracked. It also serves a lookup by state alone.
        Index("ix_deadline_state_id", "state", "id"),
        # A department's inbox (待办) reads its open deadlines soonest first.
        Index("ix_deadline_department_state_due_at", "department", "state", "due_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(index=True)
    subject: str  # case | work_order (the contract's Subject)
    subject_id: str  # the case id, or the work order id
    department: str | None = None
    district: str
    hall: str | None = None
    tier: str
    pack_version: int | None = None  # the district pack version whose tiers time it (none: the newest)
    state: str = "open"  # waiting (no clock yet) | open | closed | returned
    clock_started_at: datetime | None = None
    clock_start: str = ""  # the event that started the clock: registered, dispatched, signed_for...
    pauses: list[dict] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    extension_working_days: int = 0
    due_at: datetime | None = None
    paused: bool = False
    assumed_weekdays: bool = False
    fired: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    next_firing_at: datetime | None = Field(default=None, index=True)
    calendar_first: date | None = None  # the local dates the schedule depends on (calendar reload)
    calendar_last: date | None = Field(default=None, index=True)
    closed_at: datetime | None = None
    on_time: bool | None = None


class SupervisionItem(SQLModel, table=True):
    """督办: opened by a deadline's first card; a yellow item turns red in place."""

    id: str = Field(default_factory=new_id, primary_key=True)
    deadline_id: str = Field(unique=True)
    case_id: str = Field(index=True)
    work_order_id: str | None = None
    colour: str = Field(index=True)
    reason: str
    department: str = Field(index=True)
    hall: str = Field(index=True)
    district: str = Field(index=True)
    opened_at: datetime
    red_at: datetime | None = None


class UrgingNotice(SQLModel, table=True):
    """A reminder (催办) sent to the responsible department for a supervision item."""

    id: int | None = Field(default=None, primary_key=True)
    supervision_id: str = Field(index=True)
    sent_at: datetime
    channel: str
    recipient: str
    text: str
