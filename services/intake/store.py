"""Intake's tables and keyword-only queries.

The case row holds the applicant's personal data (intake is its only keeper), sealed
(`personal_data`: ciphertext, blind indexes, masked forms); everything around
the case — its transitions, missing items (容缺), batch items, attachments' metadata, the work
orders and SLA cards it has heard of — lives in child tables keyed by the case id.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import JSON, Column, Connection, Insert, Table, bindparam, delete, func, insert, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.bulk_insert import insert_many
from shared.ids import new_id


def _now() -> datetime:
    return datetime.now(UTC)


class Case(SQLModel, table=True):
    """A case (案件) as intake owns it."""

    id: str = Field(default_factory=new_id, primary_key=True)
    case_number: str = Field(unique=True, index=True)
    district: str = Field(index=True)
    hall: str = Field(index=True)
    channel: str
    problem_kind: str
    matter_code: str | None = None
    description: str
    complexity_tier: str
    green_channel: bool = False
    applicant_kind: str
    # Sealed (v1:<kid>:<nonce>:<ciphertext>, services/intake/personal_data.py); never plaintext.
    applicant_name: str
    applicant_phone: str
    applicant_email: str | None = None
    applicant_id_type: str | None = None
    applicant_id_number: str | None = None
    applicant_credit_code: str | None = None
    applicant_contact_name: str = ""
    # Blind indexes (keyed hashes) for exact lookups, and what responses show.
    applicant_phone_index: str | None = Field(default=None, index=True)
    applicant_id_number_index: str | None = Field(default=None, index=True)
    applicant_masked: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(index=True)
    resume_to: str | None = None  # the state a paused case returns to
    first_responder: str  # 首问负责人: who registered it and owns it
    satisfaction: str | None = None
    reply: str = ""
    merged_into: str | None = None
    hotline_order_id: str | None = Field(default=None, unique=True)
    hotline_revision: int | None = None
    # Where the problem is, as an Open311 client reports it (WGS84); media_url is a reference only.
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media_url: str | None = None
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Open311Key(SQLModel, table=True):
    """An Open311 client's api_key: its SHA-256 only (the key is 256 random bits, shown once), the
    client's name and the districts it may post to."""

    __tablename__ = "open311_key"

    key_hash: str = Field(primary_key=True)
    client: str = Field(index=True)
    districts: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=_now)
    revoked_at: datetime | None = None


class CaseTransition(SQLModel, table=True):
    """One step of the lifecycle: who, when, why (the case history shown to staff)."""

    __tablename__ = "case_transition"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.id", index=True)
    action: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str = ""


class MissingItemRow(SQLModel, table=True):
    """An item accepted as missing (容缺受理), tracked until supplied or waived."""

    __tablename__ = "missing_item"

    case_id: str = Field(foreign_key="case.id", primary_key=True)
    item_no: int = Field(primary_key=True)
    name: str
    note: str = ""
    due_on: date
    state: str = "pending"
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str = ""


class BatchItemRow(SQLModel, table=True):
    """One item of a batch registration, trackable on its own."""

    __tablename__ = "batch_item"

    case_id: str = Field(foreign_key="case.id", primary_key=True)
    item_no: int = Field(primary_key=True)
    label: str
    state: str = "pending"
    updated_at: datetime | None = None
    updated_by: str | None = None
    reason: str = ""


class Attachment(SQLModel, table=True):
    """An attachment's metadata; the file itself lives in the hall's document store."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.id", index=True)
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str | None = None
    description: str = ""


class CaseWorkOrder(SQLModel, table=True):
    """A work order routing dispatched for the case, as intake heard of it."""

    __tablename__ = "case_work_order"

    work_order_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    department: str
    role: str
    state: str = "dispatched"  # dispatched | replied | returned | cancelled (撤销: the case was withdrawn or merged)


class CaseCard(SQLModel, table=True):
    """A yellow or red card sla issued on the case or one of its work orders."""

    __tablename__ = "case_card"

    supervision_id: str = Field(primary_key=True)
    colour: str = Field(primary_key=True)  # a yellow card may later be followed by a red one
    case_id: str = Field(index=True)
    subject: str
    department: str | None = None
    reason: str
    issued_at: datetime


class CaseNumberSequence(SQLModel, table=True):
    """The last sequence number handed out per hall and local day."""

    __tablename__ = "case_number_sequence"

    hall: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    last: int = 0


class IdempotencyRecord(SQLModel, table=True):
    """The response given to a creating POST, replayed when the same Idempotency-Key returns."""

    __tablename__ = "idempotency_record"

    scope: str = Field(primary_key=True)  # e.g. "POST /cases"
    key: str = Field(primary_key=True)
    fingerprint: str  # sha256 of the canonical request
    status_code: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=_now, index=True)


class HotlineDelivery(SQLModel, table=True):
    """A 12345 webhook delivery id already accepted: the same id again is a replay."""

    __tablename__ = "hotline_delivery"

    delivery_id: str = Field(primary_key=True)
    received_at: datetime = Field(default_factory=_now, index=True)


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
    upsert was a quarter of a one-registration batch's CPU in the writer thread."""
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


def plain_row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """A new row of `model`'s table as a plain dict: every column, in the model's order, defaults
    filled in. The registration hot path writes these with Core; a table instance costs ~40–130 µs
    (an instrumented attribute set per column), a dict a few µs."""
    row = {}
    for name, default, factory in _defaults(model):
        if name in values:
            row[name] = values.pop(name)
        elif factory is not None:
            row[name] = factory()
        elif default is PydanticUndefined:
            raise TypeError(f"{model.__name__} row without {name}")
        else:
            row[name] = default
    if values:
        raise TypeError(f"{model.__name__} has no column {', '.join(values)}")
    return row


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Callable[[], Any] | None], ...]:
    return tuple((name, field.default, field.default_factory) for name, field in model.model_fields.items())


@cache
def _insert(table: Table, returning: Column | None) -> Insert:
    # One statement object per table: its cache key is computed once, not on every batch.
    statement = insert(table)
    return statement if returning is None else statement.returning(returning, sort_by_parameter_order=True)


def insert_values(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (every row with the same columns) in one statement, without the session's
    unit of work. Rows holding the generated id column (as None) get the ids the database chose: on
    SQLite the consecutive ones up to the last (`shared.bulk_insert`, the driver's own executemany), on
    PostgreSQL by RETURNING."""
    if not rows:
        return
    generated = table.autoincrement_column
    numbered = generated is not None and generated.key in rows[0]
    if connection.dialect.name == "sqlite":
        last_id = insert_many(connection, table, rows)
        if numbered:
            for row_id, row in enumerate(rows, start=last_id - len(rows) + 1):
                row[generated.key] = row_id
        return
    if not numbered:
        connection.execute(_insert(table, None), rows)
        return
    key = generated.key
    values = [{name: value for name, value in row.items() if name != key} for row in rows]
    ids = connection.execute(_insert(table, generated), values)
    for row, generated_id in zip(rows, ids.scalars(), strict=True):
        row[key] = generated_id


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


async def find_cases_by_index(session: AsyncSession, *, phone_index: str | None = None,
                              id_number_index: str | None = None, limit: int = 50) -> list[Case]:
    """Cases whose applicant has this phone or ID number (blind indexes: an indexed equality), newest first."""
    statement = select(Case).order_by(col(Case.created_at).desc()).limit(limit)
    if phone_index is not None:
        statement = statement.where(Case.applicant_phone_index == phone_index)
    if id_number_index is not None:
        statement = statement.where(Case.applicant_id_number_index == id_number_index)
    return list((await session.exec(statement)).all())


async def find_case_by_hotline_order(session: AsyncSession, *, order_id: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.hotline_order_id == order_id))).first()


async def _children(session: AsyncSession, model: type, case_id: str, order: Any) -> list:
    rows = await session.exec(select(model).where(model.case_id == case_id).order_by(order))
    return list(rows.all())


async def transitions(session: AsyncSession, *, case_id: str) -> list[CaseTransition]:
    return await _children(session, CaseTransition, case_id, col(CaseTransition.id))


async def missing_items(session: AsyncSession, *, case_id: str) -> list[MissingItemRow]:
    return await _children(session, MissingItemRow, case_id, col(MissingItemRow.item_no))


async def batch_items(session: AsyncSession, *, case_id: str) -> list[BatchItemRow]:
    return await _children(session, BatchItemRow, case_id, col(BatchItemRow.item_no))


async def attachments(session: AsyncSession, *, case_id: str) -> list[Attachment]:
    return await _children(session, Attachment, case_id, col(Attachment.id))


async def work_orders(session: AsyncSession, *, case_id: str) -> list[CaseWorkOrder]:
    return await _children(session, CaseWorkOrder, case_id, col(CaseWorkOrder.work_order_id))


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
