"""Building blocks of every service's public response models: UTC times and the one page shape.

Times are ISO 8601 with their offset (`2026-11-21T08:30:00Z`): columns are written in UTC, and
SQLite gives them back without a zone, which is UTC here. Every list answers one `Page` shape:
`{items, offset, limit, next_offset}`, `next_offset` null on the last page; `offset` and `limit`
are query parameters on every list route.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class PublicModel(BaseModel):
    """A response model read from rows or dicts alike."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; `next_offset` asks for the next one, null when this one is the last."""

    items: list[T]
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)
    next_offset: int | None = None


Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="How many items to skip")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")]


def page_of(rows: Sequence[T], *, offset: int, limit: int, more: bool) -> Page[T]:
    """A page of `rows` read at `offset`; `more` tells whether anything follows."""
    return Page(items=list(rows), offset=offset, limit=limit, next_offset=offset + len(rows) if more else None)


def slice_page(rows: Sequence[T], *, offset: int, limit: int) -> Page[T]:
    """A page cut from a whole list already read (a case's handful of children, say)."""
    return page_of(rows[offset:offset + limit], offset=offset, limit=limit, more=len(rows) > offset + limit)
