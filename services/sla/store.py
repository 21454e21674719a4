"""The SLA service's tables: deadlines."""

from datetime import UTC, datetime
from uuid import uuid4

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database


class Deadline(SQLModel, table=True):
    id: str = Field(default_factory=lambda: str(uuid4()), primary_key=True)
    case_id: str = Field(index=True)
    subject: str  # case | work_order
    subject_id: str = Field(index=True)
    department: str | None = None
    district: str
    tier: str
    started_at: datetime
    due_at: datetime = Field(index=True)
    assumed_weekdays: bool = False
    state: str = Field(default="open", index=True)


async def deadlines_of_case(session: AsyncSession, *, case_id: str) -> list[Deadline]:
    return list((await session.exec(select(Deadline).where(Deadline.case_id == case_id))).all())
