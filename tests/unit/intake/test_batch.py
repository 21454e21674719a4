from datetime import UTC, datetime

import pytest

from services.intake.domain.batch import (
    BatchItemState,
    BatchProgress,
    IllegalBatchItemMove,
    all_items_settled,
    batch_progress,
    item_reference,
    move_batch_item,
    open_batch_items,
)
from services.intake.domain.errors import InvalidInput
from services.intake.domain.limits import MAX_BATCH_ITEMS

AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
CONTRACTS = [f"ZL-2026-{n:04d}" for n in range(1, 15)]


def test_fourteen_sublease_contracts_become_one_case_with_fourteen_numbered_items():
    items = open_batch_items(labels=CONTRACTS)
    assert [i.item_no for i in items] == list(range(1, 15))
    assert item_reference("FT-20261121-0042", items[2].item_no) == "FT-20261121-0042/03"
    assert batch_progress(items) == BatchProgress(
        total=14, pending=14, blocked=0, completed=0, dropped=0
    )


def test_case_is_settled_only_when_every_item_is_completed_or_dropped():
    items = list(open_batch_items(labels=CONTRACTS))
    items[0] = move_batch_item(items[0], to=BatchItemState.blocked, actor="staff-07", at=AT,
                               reason="转租人未提供产权证明")
    items[1:] = [move_batch_item(i, to=BatchItemState.completed, actor="staff-07", at=AT)
                 for i in items[1:]]
    assert not all_items_settled(items)
    assert batch_progress(items).blocked == 1

    items[0] = move_batch_item(items[0], to=BatchItemState.dropped, actor="staff-07", at=AT,
                               reason="另立案件 FT-20261121-0043")
    assert all_items_settled(items)
    assert items[0].reason == "另立案件 FT-20261121-0043"


def test_blocking_needs_a_reason():
    (item,) = open_batch_items(labels=["ZL-2026-0001"])
    with pytest.raises(InvalidInput) as excinfo:
        move_batch_item(item, to=BatchItemState.blocked, actor="staff-07", at=AT)
    assert excinfo.value.problems[0].field == "reason"


def test_completed_item_cannot_move_again():
    (item,) = open_batch_items(labels=["ZL-2026-0001"])
    done = move_batch_item(item, to=BatchItemState.completed, actor="staff-07", at=AT)
    with pytest.raises(IllegalBatchItemMove) as excinfo:
        move_batch_item(done, to=BatchItemState.pending, actor="staff-07", at=AT)
    assert "ZL-2026-0001" in excinfo.value.zh


def test_repeated_and_blank_labels_are_reported_by_position():
    with pytest.raises(InvalidInput) as excinfo:
        open_batch_items(labels=["ZL-1", "ZL-1", ""])
    assert [p.field for p in excinfo.value.problems] == ["items[1]", "items[2]"]


@pytest.mark.parametrize("count", [0, MAX_BATCH_ITEMS + 1])
def test_batch_size_is_bounded(count):
    with pytest.raises(InvalidInput):
        open_batch_items(labels=[f"ZL-{n}" for n in range(count)])
