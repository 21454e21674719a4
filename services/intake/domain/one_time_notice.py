"""The printable one-time notification (一次性告知书): everything missing, listed at once,
with where to bring it and whom to call. Rendering (HTML, print) belongs to the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shared.clock import local_date

from .missing_items import MissingItem, MissingItemState


@dataclass(frozen=True, kw_only=True)
class NoticeLine:
    item_no: int
    name: str
    note: str
    due_on: date
    state: MissingItemState


@dataclass(frozen=True, kw_only=True)
class OneTimeNotice:
    case_number: str
    applicant_name: str  # pass mask_name(...) when the notice is shown without login
    hall_name: str
    window: str  # where to bring the materials, e.g. "3号窗口(办不成事反映窗口)"
    contact_phone: str
    issued_on: date  # local date
    lines: tuple[NoticeLine, ...]

    @property
    def pending_count(self) -> int:
        return sum(1 for line in self.lines if line.state is MissingItemState.pending)


def build_one_time_notice(
    *, case_number: str, applicant_name: str, hall_name: str, window: str, contact_phone: str,
    items: Sequence[MissingItem], issued_at: datetime,
) -> OneTimeNotice:
    """The notice for `items` in item order; a reprint shows each item's current state."""
    if not items:
        raise ValueError("a one-time notice lists at least one missing item")
    lines = tuple(
        NoticeLine(item_no=i.item_no, name=i.name, note=i.note, due_on=i.due_on, state=i.state)
        for i in sorted(items, key=lambda i: i.item_no)
    )
    return OneTimeNotice(
        case_number=case_number, applicant_name=applicant_name, hall_name=hall_name,
        window=window, contact_phone=contact_phone, issued_on=local_date(issued_at), lines=lines,
    )
