"""Batch registration: one applicant, many like items (a company with 14 sublease contracts).

Choice: **one case with several items**, not linked cases. The company came once, about one
problem, and gets one tracking card (一跟到底), one case number, one callback and one
satisfaction rating; counting it as 14 cases would inflate the window's statistics (the articles
count such a visit once) and send 14 callbacks to one person. Each item is still trackable on its
own: it has a stable number and reference (`FT-20261121-0042/03`), its own state, who moved it and
when, and a reason when blocked. A blocked item does not hold the others back; the case is only
ready for its reply once every item is completed or dropped (`all_items_settled`).
If one item turns into a different problem (another department, another matter), staff register
a new case for it and drop the item with that case's number as the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.clock import require_aware

from .errors import DomainConflict, FieldProblem, InvalidInput
from .limits import BATCH_ITEM_LABEL_MAX_CHARS, MAX_BATCH_ITEMS, REASON_MAX_CHARS
from .text import validate_text


class BatchItemState(StrEnum):
    pending = "pending"  # 待办
    blocked = "blocked"  # 受阻, with a reason
    completed = "completed"  # 已办结
    dropped = "dropped"  # 撤销 (withdrawn by the applicant or moved to its own case)


_MOVES: dict[BatchItemState, frozenset[BatchItemState]] = {
    BatchItemState.pending: frozenset(
        {BatchItemState.blocked, BatchItemState.completed, BatchItemState.dropped}
    ),
    BatchItemState.blocked: frozenset(
        {BatchItemState.pending, BatchItemState.completed, BatchItemState.dropped}
    ),
    BatchItemState.completed: frozenset(),
    BatchItemState.dropped: frozenset(),
}
_NEEDS_REASON = frozenset({BatchItemState.blocked, BatchItemState.dropped})


@dataclass(frozen=True, kw_only=True)
class BatchItem:
    item_no: int  # 1-based, stable within the case
    label: str  # what the applicant calls it, e.g. a contract number "ZL-2026-0137"
    state: BatchItemState = BatchItemState.pending
    updated_at: datetime | None = None
    updated_by: str | None = None
    reason: str = ""  # why blocked or dropped


@dataclass(frozen=True, kw_only=True)
class BatchProgress:
    total: int
    pending: int
    blocked: int
    completed: int
    dropped: int


class IllegalBatchItemMove(DomainConflict):
    def __init__(self, *, item: BatchItem, to: BatchItemState) -> None:
        self.item, self.to = item, to
        super().__init__(
            zh=f"第{item.item_no}项「{item.label}」当前为{item.state},不能改为{to}",
            en=f"item {item.item_no} ({item.label}) is {item.state} and cannot become {to}",
        )


def item_reference(case_number: str, item_no: int) -> str:
    """`FT-20261121-0042/03`: readable on the phone like the case number it extends."""
    return f"{case_number}/{item_no:02d}"


def open_batch_items(*, labels: Sequence[str], field: str = "items") -> tuple[BatchItem, ...]:
    """Number the items of a batch in the given order; raise `InvalidInput` listing blank,
    over-long or repeated labels, or a batch above MAX_BATCH_ITEMS."""
    if not 1 <= len(labels) <= MAX_BATCH_ITEMS:
        raise InvalidInput.single(
            field=field, zh=f"批量登记须有1至{MAX_BATCH_ITEMS}项",
            en=f"a batch has 1 to {MAX_BATCH_ITEMS} items",
        )
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    items = []
    for index, raw in enumerate(labels):
        try:
            label = validate_text(raw, field=f"{field}[{index}]", label_zh="事项名称",
                                  label_en="item label", max_chars=BATCH_ITEM_LABEL_MAX_CHARS)
        except InvalidInput as error:
            problems.extend(error.problems)
            continue
        if label in seen:
            problems.append(FieldProblem(field=f"{field}[{index}]", zh=f"「{label}」重复",
                                         en=f"{label!r} is listed twice"))
        seen.add(label)
        items.append(BatchItem(item_no=index + 1, label=label))
    if problems:
        raise InvalidInput(*problems)
    return tuple(items)


def move_batch_item(
    item: BatchItem, *, to: BatchItemState, actor: str, at: datetime, reason: str = ""
) -> BatchItem:
    """Move one item; blocking and dropping need a reason. Raises `IllegalBatchItemMove` (409)
    from a final state (completed, dropped) or `InvalidInput` for a missing reason."""
    require_aware(at, field="at")
    if to not in _MOVES[item.state]:
        raise IllegalBatchItemMove(item=item, to=to)
    reason = validate_text(reason, field="reason", label_zh="原因", label_en="reason",
                           max_chars=REASON_MAX_CHARS, required=to in _NEEDS_REASON)
    return replace(item, state=to, updated_at=at, updated_by=actor, reason=reason)


def batch_progress(items: Iterable[BatchItem]) -> BatchProgress:
    counts = {state: 0 for state in BatchItemState}
    for item in items:
        counts[item.state] += 1
    return BatchProgress(total=sum(counts.values()), **{s.value: n for s, n in counts.items()})


def all_items_settled(items: Iterable[BatchItem]) -> bool:
    """True when every item is completed or dropped: the case may then be replied/resolved."""
    return all(not _MOVES[item.state] for item in items)
