from datetime import UTC, datetime

import pytest

from services.sla.domain.supervision import (
    BoardDimension,
    CardColour,
    CardReason,
    SupervisionItem,
    UrgingNotice,
    add_urging_notice,
    card_for_returns,
    group_board,
    turn_red,
)

OPENED = datetime(2026, 2, 27, 9, 30, tzinfo=UTC)


def item(case_id: str, *, colour=CardColour.YELLOW, department="市场监管局", hall="区政务服务中心",
         district="demo", opened_at=OPENED) -> SupervisionItem:
    return SupervisionItem(
        case_id=case_id, work_order_id=f"wo-{case_id}", colour=colour, reason=CardReason.DEADLINE_PASSED,
        department=department, hall=hall, district=district, opened_at=opened_at,
    )


def test_red_card_after_the_configured_number_of_returns(policy):
    assert card_for_returns(return_count=2, policy=policy) is None
    assert card_for_returns(return_count=3, policy=policy) is CardColour.RED


def test_a_yellow_item_turns_red_in_place_and_a_replay_changes_nothing():
    red_at = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    red = turn_red(item("c1"), reason=CardReason.OVERDUE_MARGIN, at=red_at)
    assert (red.colour, red.reason, red.red_at, red.opened_at) == (
        CardColour.RED, CardReason.OVERDUE_MARGIN, red_at, OPENED,
    )
    assert turn_red(red, reason=CardReason.REPEATED_RETURNS, at=OPENED) == red


def test_urging_notices_are_kept_in_order_and_a_duplicate_is_recorded_once():
    first = UrgingNotice(sent_at=OPENED, channel="sms", recipient="市场监管局", text="请尽快办理")
    second = first.model_copy(update={"channel": "wecom"})
    supervised = add_urging_notice(add_urging_notice(item("c1"), first), second)
    assert add_urging_notice(supervised, first).urging_notices == (first, second)


def test_an_item_with_a_naive_opening_time_is_rejected():
    with pytest.raises(ValueError):
        item("c1", opened_at=datetime(2026, 2, 27, 9, 30))


def test_board_by_colour_puts_red_first_and_counts_each_group():
    board = group_board(
        [item("c1"), item("c2", colour=CardColour.RED), item("c3")], by=[BoardDimension.COLOUR]
    )
    assert [(g.key, g.count) for g in board] == [(("red",), 1), (("yellow",), 2)]


def test_board_by_department_and_hall_groups_items_oldest_first():
    later = OPENED.replace(hour=11)
    board = group_board(
        [
            item("c1", opened_at=later),
            item("c2", department="住建局"),
            item("c3"),
            item("c4", hall="沙河街道中心"),
        ],
        by=[BoardDimension.DEPARTMENT, BoardDimension.HALL],
    )
    assert [(g.key, [i.case_id for i in g.items]) for g in board] == [
        (("住建局", "区政务服务中心"), ["c2"]),
        (("市场监管局", "区政务服务中心"), ["c3", "c1"]),
        (("市场监管局", "沙河街道中心"), ["c4"]),
    ]


def test_board_by_district_separates_districts():
    board = group_board([item("c1"), item("c2", district="chengzhong")], by=[BoardDimension.DISTRICT])
    assert [g.key for g in board] == [("chengzhong",), ("demo",)]


def test_board_needs_a_dimension():
    with pytest.raises(ValueError):
        group_board([item("c1")], by=[])
