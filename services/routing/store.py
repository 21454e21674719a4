"""Routing's tables: work orders (工单)."""

from datetime import UTC, datetime
from uuid import uuid4

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"

    id: str = Field(default_factory=lambda: str(uuid4()), primary_key=True)
    case_id: str = Field(index=True)
    case_number: str
    district: str
    hall: str | None = None
    department: str = Field(index=True)
    role: str  # lead 主办 / assisting 协办
    matter_code: str | None = None
    tier: str
    state: str = Field(index=True)
    reason: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


async def work_orders_of_case(session: AsyncSession, *, case_id: str) -> list[WorkOrder]:
    return list((await session.exec(select(WorkOrder).where(WorkOrder.case_id == case_id))).all())
