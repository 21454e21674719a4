"""The SLA service's queries, keyword-only; the rows are store.tables'."""

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.sla.store.tables import Deadline, SupervisionItem, UrgingNotice


async def deadlines_of_case(session: AsyncSession, *, case_id: str) -> list[Deadline]:
    query = select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.subject, Deadline.subject_id)
    return list((await session.exec(query)).all())


async def open_deadlines_of_department(session: AsyncSession, *, department: str, district: str, offset: int,
                                      limit: int) -> list[Deadline]:
    """A department's running work-order deadlines, soonest due first; paused ones (no due instant) last."""
    query = (select(Deadline)
             .where(Deadline.department == department, col(Deadline.state).in_(("open", "waiting")),
                    Deadline.subject == "work_order", Deadline.district == district)
             .order_by(col(Deadline.due_at).asc().nulls_last(), col(Deadline.id))
             .offset(offset).limit(limit))
    return list((await session.exec(query)).all())


async def deadlines_of_subjects(session: AsyncSession, *, subjects: Collection[tuple[str, str]]) -> list[Deadline]:
    """The deadlines of (subject, subject id) pairs, in one query, locked for update on PostgreSQL so
    the sweeper and a consumer take turns."""
    conditions = [
        and_(Deadline.subject == subject, col(Deadline.subject_id).in_(sorted(ids)))
        for subject, ids in _ids_by_subject(subjects).items()
    ]
    if not conditions:
        return []
    return list((await session.exec(select(Deadline).where(or_(*conditions)).with_for_update())).all())


def _ids_by_subject(subjects: Collection[tuple[str, str]]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for subject, subject_id in subjects:
        grouped.setdefault(subject, set()).add(subject_id)
    return grouped


async def live_deadlines_of_case(session: AsyncSession, *, case_id: str) -> list[Deadline]:
    query = select(Deadline).where(Deadline.case_id == case_id, Deadline.state.in_(("open", "waiting")))
    return list((await session.exec(query.with_for_update())).all())


async def due_deadlines(session: AsyncSession, *, now: datetime, limit: int) -> list[Deadline]:
    """Deadlines whose next firing is due, oldest first: an index range scan on next_firing_at.

    SKIP LOCKED lets several sla replicas sweep one PostgreSQL database without firing a row twice.
    """
    query = (
        select(Deadline)
        .where(Deadline.next_firing_at <= now)
        .order_by(Deadline.next_firing_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.exec(query)).all())


async def open_deadlines_over(
    session: AsyncSession, *, first: date, last: date, after_id: str, limit: int
) -> list[Deadline]:
    """Open deadlines whose calendar span may cover [first, last], a page at a time by id."""
    query = (
        select(Deadline)
        .where(
            Deadline.state.in_(("open",)),
            Deadline.calendar_last >= first,
            Deadline.calendar_first <= last,
            Deadline.id > after_id,
        )
        .order_by(Deadline.id)
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def open_calendar_span(session: AsyncSession) -> tuple[date | None, date | None]:
    query = select(func.min(Deadline.calendar_first), func.max(Deadline.calendar_last)).where(
        Deadline.state == "open"
    )
    first, last = (await session.exec(query)).one()
    return first, last


async def count_assumed_open(session: AsyncSession) -> int:
    query = select(func.count()).select_from(Deadline).where(Deadline.state == "open", Deadline.assumed_weekdays)
    return (await session.exec(query)).one()


async def supervision_of_deadline(session: AsyncSession, *, deadline_id: str) -> SupervisionItem | None:
    query = select(SupervisionItem).where(SupervisionItem.deadline_id == deadline_id)
    return (await session.exec(query)).first()


async def supervision_of_deadlines(session: AsyncSession, *, deadline_ids: list[str]) -> dict[str, SupervisionItem]:
    if not deadline_ids:
        return {}
    query = select(SupervisionItem).where(SupervisionItem.deadline_id.in_(deadline_ids))
    return {item.deadline_id: item for item in (await session.exec(query)).all()}


async def supervision_items(
    session: AsyncSession,
    *,
    colour: str | None = None,
    department: str | None = None,
    hall: str | None = None,
    district: str | None = None,
) -> list[SupervisionItem]:
    query = select(SupervisionItem).order_by(SupervisionItem.opened_at)
    for column, value in (
        (SupervisionItem.colour, colour),
        (SupervisionItem.department, department),
        (SupervisionItem.hall, hall),
        (SupervisionItem.district, district),
    ):
        if value is not None:
            query = query.where(column == value)
    return list((await session.exec(query)).all())


async def notices_of(session: AsyncSession, *, supervision_ids: list[str]) -> list[UrgingNotice]:
    if not supervision_ids:
        return []
    query = select(UrgingNotice).where(UrgingNotice.supervision_id.in_(supervision_ids)).order_by(UrgingNotice.id)
    return list((await session.exec(query)).all())
