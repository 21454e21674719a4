"""Routing's tables: routed cases, work orders (工单) and catalogue versions; keyword-only queries."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, func, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.db import no_items
from shared.ids import new_id
from services.routing.domain.work_order import ENDED, OPEN, WorkOrderState


def _now() -> datetime:
    return datetime.now(UTC)


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
    # routed | manual_triage (人工研判) | supervisor (督办) | referred (范围外) | replied | withdrawn | merged
    state: str
    reason: str  # the rule's reason, shown to staff (zh)
    best_guess: str | None = None
    confidence: float = 0.0
    catalogue_version: int
    route: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))  # lead departments in order
    returns: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))  # return reasons in order
    referral: list[dict[str, Any]] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    reply: str | None = None
    replied_at: datetime | None = None
    created_at: datetime = Field(default_factory=_now)


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
    created_at: datetime = Field(default_factory=_now)  # dispatched at
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


class CatalogueVersion(SQLModel, table=True):
    """One version of a district's catalogue (departments and matters); the highest version is in force."""

    __tablename__ = "catalogue_version"

    district: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    change: str  # what changed, e.g. "seeded from data files", "department archives added"
    changed_by: str
    created_at: datetime = Field(default_factory=_now)


async def routed_case(session: AsyncSession, *, case_id: str, for_update: bool = False) -> RoutedCase | None:
    query = select(RoutedCase).where(RoutedCase.case_id == case_id)
    return (await session.exec(query.with_for_update() if for_update else query)).first()


async def routed_case_ids(session: AsyncSession, *, case_ids: list[str]) -> set[str]:
    """Which of `case_ids` are routed already: one query for a whole batch of forwarded cases."""
    query = select(RoutedCase.case_id).where(col(RoutedCase.case_id).in_(case_ids))
    return set((await session.exec(query)).all())


async def cases_in_state(session: AsyncSession, *, state: str, district: str | None = None,
                         offset: int = 0, limit: int = 200) -> list[RoutedCase]:
    query = select(RoutedCase).where(RoutedCase.state == state)
    if district:
        query = query.where(RoutedCase.district == district)
    return list((await session.exec(query.order_by(RoutedCase.created_at).offset(offset).limit(limit))).all())


async def replied_cases_since(session: AsyncSession, *, since: tuple[datetime, str] | None,
                              limit: int = 5000) -> list[RoutedCase]:
    """Replied cases after `since` (the last one seen: its reply time and id) in that order, `limit` at most;
    the id orders cases replied in the same instant, so a page ending among them loses none."""
    query = select(RoutedCase).where(RoutedCase.state == "replied")
    if since is not None:
        at, case_id = since
        query = query.where(col(RoutedCase.replied_at) >= at,
                            (col(RoutedCase.replied_at) > at) | (col(RoutedCase.case_id) > case_id))
    return list((await session.exec(query.order_by(RoutedCase.replied_at, RoutedCase.case_id).limit(limit))).all())


async def work_order(session: AsyncSession, *, work_order_id: str, for_update: bool = False) -> WorkOrder | None:
    query = select(WorkOrder).where(WorkOrder.id == work_order_id)
    return (await session.exec(query.with_for_update() if for_update else query)).first()


async def work_orders_of_case(session: AsyncSession, *, case_id: str) -> list[WorkOrder]:
    query = select(WorkOrder).where(WorkOrder.case_id == case_id).order_by(WorkOrder.created_at)
    return list((await session.exec(query)).all())


async def inbox_of(session: AsyncSession, *, department: str, state: WorkOrderState | None = None,
                   offset: int = 0, limit: int = 200) -> list[WorkOrder]:
    """A department's inbox: orders addressed to it, and orders escalated to it as coordinator.

    With no state, its open orders. Open states read oldest first (the most urgent), ended ones newest first
    (history is looked back through). Each half reads its own index up to `limit`, so a page costs the
    same however many orders the department has finished. A later page (`offset`) reads what it skips.
    """
    states = [state] if state else list(OPEN)
    newest_first = state in ENDED

    def half(*where: Any) -> Any:
        query = select(WorkOrder).where(col(WorkOrder.state).in_(states), *where)
        ordered = query.order_by(col(WorkOrder.created_at).desc() if newest_first else col(WorkOrder.created_at))
        return ordered.limit(offset + limit).subquery().select()

    both = union_all(half(WorkOrder.department == department),
                     half(WorkOrder.coordinator == department, WorkOrder.department != department)).subquery()
    row = aliased(WorkOrder, both)
    query = select(row).order_by(both.c.created_at.desc() if newest_first else both.c.created_at)
    return list((await session.exec(query.offset(offset).limit(limit))).all())


async def latest_catalogue_version(session: AsyncSession, *, district: str) -> int | None:
    query = select(func.max(CatalogueVersion.version)).where(CatalogueVersion.district == district)
    return (await session.exec(query)).first()


async def catalogue_version(session: AsyncSession, *, district: str, version: int) -> CatalogueVersion | None:
    return await session.get(CatalogueVersion, (district, version))


async def catalogue_history(session: AsyncSession, *, district: str) -> list[CatalogueVersion]:
    query = select(CatalogueVersion).where(CatalogueVersion.district == district)
    return list((await session.exec(query.order_by(CatalogueVersion.version))).all())
