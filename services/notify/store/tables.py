"""Notify's tables: what it knows of each case, the citizen's contact, triggering events, deliveries.

The citizen's contact (personal data) lives only here, sealed (personal_data.py), and on the channel
topic that needs it.
"""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, bindparam
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.clock import now_utc


class CaseFacts(SQLModel, table=True):
    """What notify has learnt of a case from the event streams, to fill templates."""

    case_id: str = Field(primary_key=True)
    case_number: str | None = None
    district: str = ""
    hall: str | None = None
    green_channel: bool = False  # 绿色通道
    hotline_ticket_id: str | None = None  # set when 12345 forwarded the case
    summary: str | None = None
    lead_department: str | None = None  # 主办
    case_due_at: datetime | None = None
    # Each work order's own deadline as sla last armed it (ISO text), None while its clock is paused: a
    # department's notice names its order's deadline, never the case's or another order's.
    work_order_deadlines: dict[str, str | None] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The closing figures 12345's assessment counts: the reply on time (sla.deadline_closed) and the
    # callback's satisfaction (满意度), sent with the closed status.
    reply_on_time: bool | None = None
    satisfaction: str | None = None


class CitizenContact(SQLModel, table=True):
    """The citizen's contact for notifications (from bancheng.case.contacts), each field sealed
    (v1:<kid>:<nonce>:<ciphertext>). Never logged."""

    case_id: str = Field(primary_key=True)
    name: str = ""
    phone: str | None = None
    email: str | None = None


class TriggerRecord(SQLModel, table=True):
    """An event that called for notifications, kept so it can be planned again when a late contact
    or the case's number arrives (topics are not ordered with each other)."""

    event_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    rule_key: str
    trigger: dict = Field(sa_column=Column(JSON, nullable=False))
    occurred_at: datetime
    planned: bool = False  # False while the case's number, or its work order's deadline, is unknown


DUE_STATES = ("pending", "retrying", "sending")  # `sending` past its lease: the sender died mid-send
_DUE = Column("state").in_(DUE_STATES)


class Delivery(SQLModel, table=True):
    """One message for one recipient on one channel: sent at most once, keyed by its dedupe id."""

    __table_args__ = (
        # The dispatcher's claim, and its poll for the next due time twice a second when idle, read the open
        # deliveries alone, in claim order. With an index of every row by channel they read the channel's
        # whole history, a pass growing with every delivery; with this one a pass costs what the open
        # deliveries cost (docs/performance.md, bench/notify_dispatch_passes.py).
        Index("ix_delivery_due", "channel", "due_at", "created_at", sqlite_where=_DUE, postgresql_where=_DUE),
    )

    delivery_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    channel: str
    recipient: str
    template: str
    event_type: str = ""
    # requested (planned) → pending → sending → delivered | retrying → … | failed (final, with reason)
    state: str = Field(default="requested", index=True)
    attempts: int = 0
    due_at: datetime | None = None  # the next attempt, durable across restarts
    last_error: str | None = None  # masked
    request: str | None = None  # the request's envelope (JSON), sealed: to send and to dead-letter
    created_at: datetime = Field(default_factory=now_utc)
    delivered_at: datetime | None = None


# `state IN ('pending', 'retrying', 'sending')` for queries, the states written out, not bound: a database
# uses a partial index only where it sees that the query's condition implies the index's.
IS_DUE = Delivery.__table__.c.state.in_(bindparam("due_states", DUE_STATES, expanding=True, literal_execute=True))
