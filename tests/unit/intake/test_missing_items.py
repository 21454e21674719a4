from datetime import UTC, date, datetime

import pytest

from services.intake.domain.errors import InvalidInput
from services.intake.domain.limits import MAX_MISSING_ITEMS
from services.intake.domain.missing_items import (
    MissingItemAlreadyResolved,
    MissingItemRequest,
    MissingItemState,
    all_resolved,
    list_missing_items,
    overdue_items,
    supply_item,
    waive_item,
)
from services.intake.domain.one_time_notice import build_one_time_notice

ACCEPTED_AT = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SUPPLIED_AT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def bank_letter_case():
    return list_missing_items(
        requested=[MissingItemRequest(name="银行同意书", due_on=date(2026, 11, 26), note="原件")],
        accepted_at=ACCEPTED_AT,
    )


def test_same_day_lease_certificate_tracks_the_bank_letter_until_supplied():
    (letter,) = bank_letter_case()
    assert letter.item_no == 1 and letter.state is MissingItemState.pending
    assert not all_resolved([letter])

    supplied = supply_item(letter, actor="staff-07", at=SUPPLIED_AT, note="原件已核验")
    assert supplied.state is MissingItemState.supplied
    assert (supplied.resolved_by, supplied.resolved_at) == ("staff-07", SUPPLIED_AT)
    assert all_resolved([supplied])


def test_item_cannot_be_resolved_twice():
    supplied = supply_item(bank_letter_case()[0], actor="staff-07", at=SUPPLIED_AT)
    with pytest.raises(MissingItemAlreadyResolved) as excinfo:
        waive_item(supplied, actor="staff-07", at=SUPPLIED_AT, reason="不再需要")
    assert "银行同意书" in excinfo.value.zh


def test_waiving_needs_a_reason():
    with pytest.raises(InvalidInput) as excinfo:
        waive_item(bank_letter_case()[0], actor="staff-07", at=SUPPLIED_AT, reason="")
    assert excinfo.value.problems[0].field == "reason"


def test_whole_list_is_checked_at_once():
    with pytest.raises(InvalidInput) as excinfo:
        list_missing_items(
            requested=[
                MissingItemRequest(name="身份证原件", due_on=date(2026, 11, 25)),
                MissingItemRequest(name="身份证原件", due_on=date(2026, 11, 25)),
                MissingItemRequest(name=" ", due_on=date(2026, 11, 25)),
                MissingItemRequest(name="股东会决议", due_on=date(2026, 11, 20)),
            ],
            accepted_at=ACCEPTED_AT,
        )
    assert [p.field for p in excinfo.value.problems] == [
        "missing_items[1].name", "missing_items[2].name", "missing_items[3].due_on",
    ]


def test_due_date_is_compared_with_the_shanghai_day_of_acceptance():
    late_evening_utc = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # already 21 Nov in Shanghai
    with pytest.raises(InvalidInput):
        list_missing_items(
            requested=[MissingItemRequest(name="银行同意书", due_on=date(2026, 11, 20))],
            accepted_at=late_evening_utc,
        )


@pytest.mark.parametrize("count", [0, MAX_MISSING_ITEMS + 1])
def test_list_must_be_non_empty_and_bounded(count):
    requested = [MissingItemRequest(name=f"材料{i}", due_on=date(2026, 12, 1)) for i in range(count)]
    with pytest.raises(InvalidInput):
        list_missing_items(requested=requested, accepted_at=ACCEPTED_AT)


def test_only_pending_items_past_their_due_date_are_overdue():
    first, second = list_missing_items(
        requested=[MissingItemRequest(name="A", due_on=date(2026, 11, 23)),
                   MissingItemRequest(name="B", due_on=date(2026, 11, 23))],
        accepted_at=ACCEPTED_AT,
    )
    second = supply_item(second, actor="staff-07", at=SUPPLIED_AT)
    assert overdue_items([first, second], today=date(2026, 11, 23)) == ()
    assert overdue_items([first, second], today=date(2026, 11, 24)) == (first,)


def test_one_time_notice_lists_every_item_in_order_with_its_current_state():
    items = list_missing_items(
        requested=[MissingItemRequest(name="租赁合同原件", due_on=date(2026, 11, 25)),
                   MissingItemRequest(name="业主身份证复印件", due_on=date(2026, 11, 25))],
        accepted_at=ACCEPTED_AT,
    )
    notice = build_one_time_notice(
        case_number="FT-20261121-0042", applicant_name="张*", hall_name="演示区政务服务中心",
        window="3号窗口", contact_phone="0755-88880000",
        items=[supply_item(items[1], actor="staff-07", at=SUPPLIED_AT), items[0]],
        issued_at=ACCEPTED_AT,
    )
    assert [(line.item_no, line.name) for line in notice.lines] == [
        (1, "租赁合同原件"), (2, "业主身份证复印件"),
    ]
    assert notice.pending_count == 1
    assert notice.issued_on == date(2026, 11, 21)
