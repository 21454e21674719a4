"""Intake's keyword-only queries, and the case-number counter."""

from collections.abc import Collection
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.store.tables import (
    BatchItemRow,
    Case,
    CaseCard,
    CaseNumberSequence,
    CaseReferralAdvice,
    CaseTransition,
    CaseWorkOrder,
    HotlineDelivery,
    IdempotencyRecord,
    MissingItemRow,
    Open311Key,
)


async def next_sequence(connection: AsyncConnection, *, hall: str, day: date, count: int = 1) -> int:
    """Atomically take `count` consecutive numbers and answer the first, safe under concurrent
    registrations on PostgreSQL."""
    result = await connection.execute(_sequence_update(connection.dialect.name), _sequence_values(hall, day, count))
    return result.scalar_one() - count + 1


def take_sequence(connection: Connection, *, hall: str, day: date, count: int) -> int:
    """`next_sequence` for the group commit's synchronous batch."""
    result = connection.execute(_sequence_update(connection.dialect.name), _sequence_values(hall, day, count))
    return result.scalar_one() - count + 1


def _sequence_values(hall: str, day: date, count: int) -> dict[str, Any]:
    return {"hall": hall, "day": day, "count": count}


@cache
def _sequence_update(dialect: str) -> Insert:
    """One statement per dialect, its values bound at execution: built and cache-keyed afresh, the
    upsert was a large share of a one-registration batch's CPU in the writer thread (docs/performance.md)."""
    table = CaseNumberSequence.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    count = bindparam("count", type_=table.c.last.type)
    return (
        insert(table)
        .values(hall=bindparam("hall", type_=table.c.hall.type), day=bindparam("day", type_=table.c.day.type),
                last=count)
        .on_conflict_do_update(index_elements=["hall", "day"], set_={"last": table.c.last + count})
        .returning(table.c.last)
    )


async def get_case(session: AsyncSession, *, case_id: str) -> Case | None:
    return await session.get(Case, case_id)


async def existing_case_ids(session: AsyncSession, *, case_ids: set[str]) -> set[str]:
    """Which of these cases intake holds, in one query."""
    if not case_ids:
        return set()
    return set((await session.exec(select(Case.id).where(col(Case.id).in_(case_ids)))).all())


async def case_work_orders(session: AsyncSession, *, ids: set[str]) -> list[CaseWorkOrder]:
    """The work orders with these ids, in one query."""
    if not ids:
        return []
    return list((await session.exec(select(CaseWorkOrder).where(col(CaseWorkOrder.work_order_id).in_(ids)))).all())


async def find_case_by_number(session: AsyncSession, *, case_number: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.case_number == case_number))).first()


async def find_cases(
    session: AsyncSession, *, equal: dict[str, str], match_all: bool = False, district: str | None = None,
    hall: str | None = None, offset: int = 0, limit: int = 50,
) -> list[Case]:
    """Cases whose columns equal `equal`'s values (any of them, or all with `match_all`), within the district
    and hall given, newest first: every column asked is indexed (case number, 12345 ticket, blind indexes),
    so this is indexed equalities, never a scan. Answers up to `limit` + 1 rows, to tell whether more follow."""
    matches = [getattr(Case, column) == value for column, value in equal.items()]
    statement = (select(Case).where(and_(*matches) if match_all else or_(*matches))
                 .order_by(col(Case.created_at).desc(), col(Case.id).desc()).offset(offset).limit(limit + 1))
    if district is not None:
        statement = statement.where(Case.district == district)
    if hall is not None:
        statement = statement.where(Case.hall == hall)
    return list((await session.exec(statement)).all())


def stuck_condition(before: datetime) -> ColumnElement[bool]:
    """A case forwarded (登记转发) before `before` with no work order heard of (domain/queues.py)."""
    return and_(Case.state == "dispatched", col(Case.updated_at) < before,
                ~exists().where(CaseWorkOrder.case_id == Case.id))


async def queue_cases(
    session: AsyncSession, *, states: Collection[str], due_before: datetime | None = None,
    stuck_before: datetime | None = None, district: str | None = None, hall: str | None = None,
    offset: int = 0, limit: int = 100,
) -> list[Case]:
    """A queue's cases, earliest reply deadline first (none last): in `states`, due before `due_before`,
    stuck since before `stuck_before`, as given. Up to `limit` + 1 rows, to tell whether more follow."""
    statement = (select(Case).where(col(Case.state).in_(states))
                 .order_by(col(Case.reply_due_at).asc().nulls_last(), col(Case.created_at), col(Case.id))
                 .offset(offset).limit(limit + 1))
    if due_before is not None:
        statement = statement.where(col(Case.reply_due_at) < due_before)
    if stuck_before is not None:
        statement = statement.where(stuck_condition(stuck_before))
    if district is not None:
        statement = statement.where(Case.district == district)
    if hall is not None:
        statement = statement.where(Case.hall == hall)
    return list((await session.exec(statement)).all())


async def set_reply_due(session: AsyncSession, *, case_id: str, due_at: datetime | None) -> None:
    """The case's reply deadline as sla armed it (None while paused)."""
    await session.exec(update(Case).where(col(Case.id) == case_id).values(reply_due_at=due_at))


async def cases_with_work_orders(session: AsyncSession, *, case_ids: list[str]) -> set[str]:
    """Which of these cases have a work order heard of, in one query."""
    if not case_ids:
        return set()
    return set((await session.exec(select(CaseWorkOrder.case_id).distinct()
                                   .where(col(CaseWorkOrder.case_id).in_(case_ids)))).all())


async def find_case_by_hotline_order(session: AsyncSession, *, order_id: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.hotline_order_id == order_id))).first()


async def _children(session: AsyncSession, model: type, case_id: str, order: Any) -> list:
    rows = await session.exec(select(model).where(model.case_id == case_id).order_by(order))
    return list(rows.all())


async def transitions(session: AsyncSession, *, case_id: str) -> list[CaseTransition]:
    return await _children(session, CaseTransition, case_id, col(CaseTransition.id))


async def dispatch_count(session: AsyncSession, *, case_id: str) -> int:
    """How many times the case was forwarded (登记转发): its dispatch rounds so far."""
    statement = select(func.count()).select_from(CaseTransition).where(
        CaseTransition.case_id == case_id, CaseTransition.action == "dispatch")
    return (await session.exec(statement)).one()


async def missing_items(session: AsyncSession, *, case_id: str) -> list[MissingItemRow]:
    return await _children(session, MissingItemRow, case_id, col(MissingItemRow.item_no))


async def batch_items(session: AsyncSession, *, case_id: str) -> list[BatchItemRow]:
    return await _children(session, BatchItemRow, case_id, col(BatchItemRow.item_no))


async def work_orders(session: AsyncSession, *, case_id: str) -> list[CaseWorkOrder]:
    return await _children(session, CaseWorkOrder, case_id, col(CaseWorkOrder.work_order_id))


async def referral_advice(session: AsyncSession, *, case_id: str) -> CaseReferralAdvice | None:
    return await session.get(CaseReferralAdvice, case_id)


async def cards(session: AsyncSession, *, case_id: str) -> list[CaseCard]:
    return await _children(session, CaseCard, case_id, col(CaseCard.issued_at))


async def count_by_state(session: AsyncSession, *, district: str | None) -> dict[str, int]:
    statement = select(Case.state, func.count()).group_by(Case.state)
    if district:
        statement = statement.where(Case.district == district)
    return dict((await session.exec(statement)).all())


async def find_idempotency_record(
    session: AsyncSession, *, scope: str, key: str
) -> IdempotencyRecord | None:
    return await session.get(IdempotencyRecord, (scope, key))


def idempotency_records(
    connection: Connection, *, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], IdempotencyRecord]:
    """The records stored for any of these (scope, key) pairs, in one query."""
    if not keys:
        return {}
    table = IdempotencyRecord.__table__
    rows = connection.execute(select(table).where(tuple_(table.c.scope, table.c.key).in_(list(keys))))
    return {(row.scope, row.key): IdempotencyRecord.model_validate(row._mapping) for row in rows}


async def delivery_seen(session: AsyncSession, *, delivery_id: str) -> bool:
    return await session.get(HotlineDelivery, delivery_id) is not None


async def prune_before(session: AsyncSession, *, idempotency: datetime, deliveries: datetime) -> None:
    """Forget idempotency records and delivery ids past their horizons."""
    await session.exec(delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < idempotency))
    await session.exec(delete(HotlineDelivery).where(col(HotlineDelivery.received_at) < deliveries))


async def open311_key(session: AsyncSession, *, key_hash: str) -> Open311Key | None:
    """The unrevoked key with this hash."""
    return (await session.exec(select(Open311Key).where(
        Open311Key.key_hash == key_hash, col(Open311Key.revoked_at).is_(None)))).first()


async def open311_cases(
    session: AsyncSession, *, district: str, case_numbers: list[str] | None = None,
    problem_kinds: list[str] | None = None, states: set[str] | None = None,
    since: datetime | None = None, until: datetime | None = None, limit: int = 1000,
) -> list[Case]:
    """Cases that came in through Open311 in `district`, newest first, filtered as given."""
    statement = (select(Case).where(Case.district == district, Case.channel == "open311")
                 .order_by(col(Case.created_at).desc()).limit(limit))
    if case_numbers is not None:
        statement = statement.where(col(Case.case_number).in_(case_numbers))
    if problem_kinds is not None:
        statement = statement.where(col(Case.problem_kind).in_(problem_kinds))
    if states is not None:
        statement = statement.where(col(Case.state).in_(states))
    if since is not None:
        statement = statement.where(Case.created_at >= since)
    if until is not None:
        statement = statement.where(Case.created_at <= until)
    return list((await session.exec(statement)).all())


async def lead_departments(session: AsyncSession, *, case_ids: list[str]) -> dict[str, str]:
    """The lead (主办) department of each case that has a live lead work order."""
    rows = await session.exec(select(CaseWorkOrder).where(
        col(CaseWorkOrder.case_id).in_(case_ids), CaseWorkOrder.role == "lead",
        CaseWorkOrder.state != "cancelled"))
    return {row.case_id: row.department for row in rows}
