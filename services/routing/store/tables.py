"""Routing's tables: routed cases, work orders (工单), district pack versions and the working-day overrides
sla announced."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.clock import now_utc
from shared.db import no_items
from shared.ids import new_id


class RoutedCase(SQLModel, table=True):
    """A forwarded case as routing sees it: what was asked, what was decided, where its lead has been."""

    __tablename__ = "routed_case"
    # The suggestions' top-up (once per case view) reads the cases replied since its last look, in order.
    __table_args__ = (Index("ix_routed_case_state_replied_at", "state", "replied_at", "case_id"),)

    case_id: str = Field(primary_key=True)
    case_number: str
    district: str = Field(index=True)
    hall: str | None = None
    problem_kind: str
    matter_code: str | None = None
    description: str
    tier: str = "general"  # the decision's tier; a manual assignment keeps it
    suggested_departments: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    # routed | manual_triage (人工研判) | supervisor (督办) | referred (范围外 advised: staff confirm or overrule) |
    # replied | withdrawn | merged | referred_out_of_scope (staff confirmed a referral)
    state: str
    reason: str  # the rule's reason, shown to staff (zh)
    best_guess: str | None = None
    confidence: float = 0.0
    catalogue_version: int  # the district pack version it is routed by: the one it was registered under
    # Lead departments in order.
    route: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    # Return reasons in order.
    returns: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    referral: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    reply: str | None = None
    replied_at: datetime | None = None
    created_at: datetime = Field(default_factory=now_utc)
    round: int = 1  # the dispatch round in progress: 2 and on are a redo (重办) after a dissatisfied callback
    green_channel: bool = False  # 绿色通道: intake opened it, or the problem kind implies it


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"
    # A department's inbox reads one state (or the few open ones) in creation order, as holder and as
    # coordinator: a page of it, not the department's history. They also serve lookups by department alone.
    __table_args__ = (
        Index("ix_work_order_department_state_created_at", "department", "state", "created_at"),
        Index("ix_work_order_coordinator_state_created_at", "coordinator", "state", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str = Field(index=True)
    case_number: str
    district: str
    hall: str | None = None
    department: str
    role: str  # lead 主办 / assisting 协办
    matter_code: str | None = None
    tier: str
    state: str = Field(index=True)
    reason: str
    created_at: datetime = Field(default_factory=now_utc)  # dispatched at
    due_at: datetime | None = None
    signed_at: datetime | None = None
    reply: str | None = None
    replied_by: str | None = None
    replied_at: datetime | None = None
    return_reason: str | None = None
    return_note: str = ""
    returned_at: datetime | None = None
    cancelled_at: datetime | None = None  # 撤销: the case was withdrawn or merged
    coordinator: str | None = None  # who holds it after an escalation 提级
    extensions: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    escalations: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    meetings: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    round: int = 1  # the case's dispatch round it was sent in (重办: 2 and on)
    green_channel: bool = False  # 绿色通道: the case's; the order takes the channel's tier
    priority: int = 0  # a department's inbox lists higher first: the green channel's priority, else 0


class DistrictPackVersion(SQLModel, table=True):
    """One published version of a district pack (the whole pack, as published on `bancheng.district.packs`); the
    highest is in force for new cases. Routing is the one owner of pack changes: the primary key lets one of two
    concurrent publishers of the same next version win."""

    __tablename__ = "district_pack_version"

    district: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    change: str  # what changed, as the publisher said ("matter lease_filing set", "pack replaced")
    changed_by: str
    created_at: datetime = Field(default_factory=now_utc)


class WorkingDayOverrides(SQLModel, table=True):
    """The working-day overrides sla announced last (shared.events.calendar), as routing counts with them: one row,
    replaced by each newer announcement, so a return window counts the days a deadline does."""

    __tablename__ = "working_day_overrides"

    id: int = Field(default=1, primary_key=True)
    years: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    days: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    announced_at: datetime  # the announcement's occurred_at: an older one arriving late changes nothing
