"""Supervision items (督办): every card opens one; the board groups them.

One item per deadline: a yellow item turns red in place (`turn_red`), so the board counts a case once.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .policy import SlaPolicy


class CardColour(StrEnum):
    YELLOW = "yellow"  # 黄牌
    RED = "red"  # 红牌


class CardReason(StrEnum):
    DEADLINE_PASSED = "deadline_passed"
    OVERDUE_MARGIN = "overdue_margin"  # the red-card margin after the deadline ran out
    REPEATED_RETURNS = "repeated_returns"  # returned 退单 too many times


class BoardDimension(StrEnum):
    COLOUR = "colour"
    DEPARTMENT = "department"
    HALL = "hall"
    DISTRICT = "district"


class UrgingNotice(BaseModel):
    """A reminder sent to the responsible department (催办通知)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sent_at: AwareDatetime
    channel: str = Field(min_length=1, examples=["sms", "wecom"])
    recipient: str = Field(min_length=1, description="A role or department, never a person's raw phone")
    text: str = Field(min_length=1)


class SupervisionItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    work_order_id: str | None = Field(default=None, description="None for the case's own reply deadline")
    colour: CardColour
    reason: CardReason
    department: str
    hall: str
    district: str
    opened_at: AwareDatetime
    red_at: AwareDatetime | None = None
    urging_notices: tuple[UrgingNotice, ...] = ()


def card_for_returns(*, return_count: int, policy: SlaPolicy) -> CardColour | None:
    """A red card once a case has been returned `policy.red_card.after_returns` times, else None."""
    return CardColour.RED if return_count >= policy.red_card.after_returns else None


def turn_red(item: SupervisionItem, *, reason: CardReason, at: datetime) -> SupervisionItem:
    """The item after a red card; unchanged if it is already red (a replayed event changes nothing)."""
    if item.colour is CardColour.RED:
        return item
    return item.model_copy(update={"colour": CardColour.RED, "reason": reason, "red_at": at})


def add_urging_notice(item: SupervisionItem, notice: UrgingNotice) -> SupervisionItem:
    """The item with `notice` appended; unchanged if that notice is already recorded."""
    if notice in item.urging_notices:
        return item
    return item.model_copy(update={"urging_notices": (*item.urging_notices, notice)})


@dataclass(frozen=True, slots=True)
class BoardGroup:
    key: tuple[str, ...]  # values of the requested dimensions, in their order
    items: tuple[SupervisionItem, ...]  # oldest first

    @property
    def count(self) -> int:
        return len(self.items)


def group_board(
    items: Iterable[SupervisionItem], *, by: Sequence[BoardDimension]
) -> tuple[BoardGroup, ...]:
    """Items grouped by the given dimensions; red before yellow, then by name. Raises on no dimension."""
    if not by:
        raise ValueError("group by at least one dimension")
    groups: defaultdict[tuple[str, ...], list[SupervisionItem]] = defaultdict(list)
    for item in items:
        groups[tuple(str(getattr(item, d.value)) for d in by)].append(item)
    return tuple(
        BoardGroup(key, tuple(sorted(members, key=lambda i: i.opened_at)))
        for key, members in sorted(groups.items(), key=lambda kv: _sort_key(kv[0], by))
    )


def _sort_key(key: tuple[str, ...], by: Sequence[BoardDimension]) -> tuple[tuple[int, str], ...]:
    # Red is the more urgent colour, so it sorts first; other dimensions sort by name.
    return tuple(
        (0 if value == CardColour.RED else 1, value) if dim is BoardDimension.COLOUR else (0, value)
        for dim, value in zip(by, key, strict=True)
    )
