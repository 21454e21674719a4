"""Intake's tables: cases and the daily case-number sequence per hall."""

from datetime import UTC, date, datetime
from uuid import uuid4

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database


class Case(SQLModel, table=True):
    """A case (案件) as intake owns it."""

    id: str = Field(default_factory=lambda: str(uuid4()), primary_key=True)
    case_number: str = Field(unique=True, index=True)
    district: str = Field(index=True)
    hall: str = Field(index=True)
    channel: str
    problem_kind: str
    matter_code: str | None = None
    description: str
    tier: str
    green_channel: bool = False
    applicant_kind: str
    applicant_name: str
    applicant_phone: str
    state: str = Field(index=True)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class CaseNumberSequence(SQLModel, table=True):
    """The last sequence number handed out per hall and local day."""

    __tablename__ = "case_number_sequence"

    hall: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    last: int = 0


async def next_sequence(session: AsyncSession, *, hall: str, day: date) -> int:
    """Atomically take the next number, safe under concurrent registrations on PostgreSQL."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(CaseNumberSequence)
        .values(hall=hall, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["hall", "day"], set_={"last": CaseNumberSequence.__table__.c.last + 1}
        )
        .returning(CaseNumberSequence.__table__.c.last)
    )
    return (await session.exec(statement)).scalar_one()


async def get_case(session: AsyncSession, *, case_id: str) -> Case | None:
    return await session.get(Case, case_id)


async def find_case_by_number(session: AsyncSession, *, case_number: str) -> Case | None:
    return (await session.exec(select(Case).where(Case.case_number == case_number))).first()
