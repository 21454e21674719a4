"""Routing's keyword-only queries; the rows are store.tables'."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, union_all, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.routing.domain.work_order import ENDED, OPEN, WorkOrderState
from services.routing.store.tables import DistrictPackVersion, RoutedCase, WorkingDayOverrides, WorkOrder


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


async def pending_extensions(session: AsyncSession, *, district: str | None, offset: int = 0,
                             limit: int = 200) -> list[WorkOrder]:
    """Orders waiting for a supervisor's decision on more time (延期), in a district, oldest first: few at a time,
    read through the state index."""
    query = select(WorkOrder).where(WorkOrder.state == WorkOrderState.extension_requested)
    if district is not None:
        query = query.where(WorkOrder.district == district)
    query = query.order_by(col(WorkOrder.created_at), col(WorkOrder.id)).offset(offset).limit(limit)
    return list((await session.exec(query)).all())


async def inbox_of(session: AsyncSession, *, department: str, state: WorkOrderState | None = None,
                   offset: int = 0, limit: int = 200) -> list[WorkOrder]:
    """A department's inbox: orders addressed to it, and orders escalated to it as coordinator.

    With no state, its open orders. Open states read the green channel's first (绿色通道: higher `priority`), then
    oldest first (the most urgent); ended ones newest first (history is looked back through). Each half reads its
    own index up to `limit`, so a page costs the same however many orders the department has finished (an open
    state's few orders are sorted by priority after the index's read). A later page (`offset`) reads what it skips.
    """
    states = [state] if state else list(OPEN)
    newest_first = state in ENDED

    def order(created_at: Any, priority: Any) -> tuple[Any, ...]:
        return (created_at.desc(),) if newest_first else (priority.desc(), created_at)

    def half(*where: Any) -> Any:
        query = select(WorkOrder).where(col(WorkOrder.state).in_(states), *where)
        ordered = query.order_by(*order(col(WorkOrder.created_at), col(WorkOrder.priority)))
        return ordered.limit(offset + limit).subquery().select()

    both = union_all(half(WorkOrder.department == department),
                     half(WorkOrder.coordinator == department, WorkOrder.department != department)).subquery()
    row = aliased(WorkOrder, both)
    query = select(row).order_by(*order(both.c.created_at, both.c.priority))
    return list((await session.exec(query.offset(offset).limit(limit))).all())


async def latest_pack_version(session: AsyncSession, *, district: str) -> int | None:
    query = select(func.max(DistrictPackVersion.version)).where(DistrictPackVersion.district == district)
    return (await session.exec(query)).first()


async def pack_version(session: AsyncSession, *, district: str, version: int) -> DistrictPackVersion | None:
    return await session.get(DistrictPackVersion, (district, version))


async def pack_history(session: AsyncSession, *, district: str) -> list[DistrictPackVersion]:
    query = select(DistrictPackVersion).where(DistrictPackVersion.district == district)
    return list((await session.exec(query.order_by(DistrictPackVersion.version))).all())


async def working_day_overrides(session: AsyncSession, *, for_update: bool = False) -> WorkingDayOverrides | None:
    query = select(WorkingDayOverrides).where(WorkingDayOverrides.id == 1)
    return (await session.exec(query.with_for_update() if for_update else query)).first()


async def set_due_at(session: AsyncSession, *, work_order_id: str, due_at: datetime | None) -> None:
    """The work order's deadline as sla armed it (None while paused): one statement, no read."""
    await session.exec(update(WorkOrder).where(col(WorkOrder.id) == work_order_id).values(due_at=due_at))
