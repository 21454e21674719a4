"""Tolerated acceptance (容缺受理): a case accepted with materials missing, each tracked to the end.

The full list is given when the case is accepted (一次性告知: tell everything missing at once),
so items are created together by `list_missing_items` and never added one by one later.
Each item is then supplied or waived exactly once. Due dates come from sla (working days) and
are taken as given here: local dates in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from shared.clock import local_date, require_aware

from .errors import DomainConflict, FieldProblem, InvalidInput
from .limits import (
    MAX_MISSING_ITEMS,
    MISSING_ITEM_NAME_MAX_CHARS,
    MISSING_ITEM_NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
)
from .text import validate_text


class MissingItemState(StrEnum):
    pending = "pending"  # 待补正
    supplied = "supplied"  # 已补齐
    waived = "waived"  # 免于提交


@dataclass(frozen=True, kw_only=True)
class MissingItemRequest:
    """Staff's input for one missing item, e.g. name="银行同意书", note="原件"."""

    name: str
    due_on: date
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class MissingItem:
    item_no: int  # 1-based, stable within the case
    name: str
    due_on: date
    note: str = ""
    state: MissingItemState = MissingItemState.pending
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str = ""  # what was supplied, or why it was waived


class MissingItemAlreadyResolved(DomainConflict):
    def __init__(self, item: MissingItem) -> None:
        self.item = item
        super().__init__(
            zh=f"容缺材料「{item.name}」已处理(状态:{item.state}),不能再次登记",
            en=f"missing item {item.item_no} ({item.name}) is already {item.state}",
        )


def list_missing_items(
    *, requested: Sequence[MissingItemRequest], accepted_at: datetime,
    field: str = "missing_items",
) -> tuple[MissingItem, ...]:
    """Validate the whole list at once and number it; raise `InvalidInput` with every problem
    (empty list, blank or duplicate names, over-long text, a due date before acceptance day)."""
    if not requested:
        raise InvalidInput.single(
            field=field, zh="容缺受理须列明缺少的材料", en="list at least one missing item"
        )
    if len(requested) > MAX_MISSING_ITEMS:
        raise InvalidInput.single(
            field=field, zh=f"缺少的材料不能超过{MAX_MISSING_ITEMS}项",
            en=f"at most {MAX_MISSING_ITEMS} missing items",
        )
    accepted_on = local_date(accepted_at)
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    items = []
    for index, request in enumerate(requested):
        at = f"{field}[{index}]"
        try:
            name = validate_text(request.name, field=f"{at}.name", label_zh="材料名称",
                                 label_en="item name", max_chars=MISSING_ITEM_NAME_MAX_CHARS)
            note = validate_text(request.note, field=f"{at}.note", label_zh="材料说明",
                                 label_en="item note", max_chars=MISSING_ITEM_NOTE_MAX_CHARS,
                                 required=False)
        except InvalidInput as error:
            problems.extend(error.problems)
            continue
        if name.casefold() in seen:
            problems.append(FieldProblem(field=f"{at}.name", zh=f"材料「{name}」重复列出",
                                         en=f"item {name!r} is listed twice"))
        seen.add(name.casefold())
        if request.due_on < accepted_on:
            problems.append(FieldProblem(
                field=f"{at}.due_on", zh="补正期限不能早于受理当日",
                en="the due date cannot be before the day of acceptance",
            ))
        items.append(MissingItem(item_no=index + 1, name=name, due_on=request.due_on, note=note))
    if problems:
        raise InvalidInput(*problems)
    return tuple(items)


def _resolve(
    item: MissingItem, *, state: MissingItemState, actor: str, at: datetime, note: str
) -> MissingItem:
    require_aware(at, field="at")
    if item.state is not MissingItemState.pending:
        raise MissingItemAlreadyResolved(item)
    return replace(item, state=state, resolved_at=at, resolved_by=actor, resolution_note=note)


def supply_item(item: MissingItem, *, actor: str, at: datetime, note: str = "") -> MissingItem:
    """Record that the applicant supplied `item` (staff checked it); raises
    `MissingItemAlreadyResolved` (409) if it was already supplied or waived."""
    note = validate_text(note, field="note", label_zh="说明", label_en="note",
                         max_chars=MISSING_ITEM_NOTE_MAX_CHARS, required=False)
    return _resolve(item, state=MissingItemState.supplied, actor=actor, at=at, note=note)


def waive_item(item: MissingItem, *, actor: str, at: datetime, reason: str) -> MissingItem:
    """Record that `item` is no longer required; the reason is mandatory."""
    reason = validate_text(reason, field="reason", label_zh="免交原因", label_en="reason",
                           max_chars=REASON_MAX_CHARS)
    return _resolve(item, state=MissingItemState.waived, actor=actor, at=at, note=reason)


def all_resolved(items: Iterable[MissingItem]) -> bool:
    """True when no item is pending (true for a case without missing items)."""
    return all(item.state is not MissingItemState.pending for item in items)


def overdue_items(items: Iterable[MissingItem], *, today: date) -> tuple[MissingItem, ...]:
    """Pending items whose due date (local) has passed by `today` (local)."""
    return tuple(i for i in items if i.state is MissingItemState.pending and i.due_on < today)
