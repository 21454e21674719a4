"""Notify's tables: one row per delivery, keyed by its dedupe id."""

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database


class Delivery(SQLModel, table=True):
    """One message for one recipient on one channel: sent at most once."""

    delivery_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    channel: str = Field(index=True)
    recipient: str
    template: str
    state: str = Field(default="requested", index=True)  # requested | delivered | failed
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    delivered_at: datetime | None = None
