"""Audit's tables: every event once, as it travelled."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True)
    type: str = Field(index=True)
    schema_version: int
    source: str
    case_id: str = Field(index=True)
    district: str = Field(index=True)
    hall: str | None = None
    actor: str
    occurred_at: datetime = Field(index=True)
    causation_id: str | None = None
    correlation_id: str
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


async def timeline(session: AsyncSession, *, case_id: str) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.occurred_at, AuditEntry.id)
    return list((await session.exec(statement)).all())
