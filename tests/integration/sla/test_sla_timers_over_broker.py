"""Deadlines over the real broker, sla a real process whose clock the test moves.

Dates: a simple case (3 working days) registered Monday 2026-03-02 10:00 in Shanghai is due Thursday
2026-03-05 17:30; its half-time warning is Wednesday 09:30, "one working day before" Wednesday 17:30,
and the red card 5 working days after the deadline, Thursday 2026-03-12 17:30.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from shared.events.case import CasePaused, CaseRegistered, CaseReplied, CaseResumed
from shared.events.workorder import ExtensionDecided, WorkOrderDispatched, WorkOrderReturned
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS
from tests.conftest import DATABASES

SH = ZoneInfo("Asia/Shanghai")
REGISTERED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
DUE = datetime(2026, 3, 5, 17, 30, tzinfo=SH)


def registered(tier: str = "simple") -> CaseRegistered:
    return CaseRegistered(
        case_number="DEMO-20260302-0001", hall="DEMO", channel="walk_in", problem_kind="missing_materials",
        description="租赁备案缺材料", tier=tier, applicant_kind="person", applicant_masked="张*",
    )


def kinds(events) -> list[tuple]:
    """What a reader cares about: type, and which warning or card."""
    return [(e.type, e.data.get("warning") or e.data.get("colour") or e.data.get("change")) for e in events]


def has(kind: tuple):
    return lambda events: kind in kinds(events)


def test_unanswered_case_is_warned_then_carded_yellow_then_red_in_order(sla_factory, new_case_id) -> None:
    sla = sla_factory("sqlite", REGISTERED_AT + timedelta(minutes=1))
    sla.publish(CASE_EVENTS, registered(), case_id=new_case_id, at=REGISTERED_AT)
    armed = sla.wait_for(new_case_id, has(("sla.deadline_armed", None)))[0]
    assert datetime.fromisoformat(armed.data["due_at"]) == DUE

    sla.move_clock(datetime(2026, 3, 4, 12, 0, tzinfo=SH))
    sla.wait_for(new_case_id, has(("sla.warning", "half_time")))
    sla.move_clock(datetime(2026, 3, 5, 9, 0, tzinfo=SH))
    sla.wait_for(new_case_id, has(("sla.warning", "one_working_day_before")))
    sla.move_clock(DUE + timedelta(minutes=5))
    sla.wait_for(new_case_id, has(("sla.card_issued", "yellow")))
    sla.move_clock(datetime(2026, 3, 12, 17, 35, tzinfo=SH))
    events = sla.wait_for(new_case_id, has(("sla.card_issued", "red")))

    assert [k for k in kinds(events) if k[0] != "sla.urging_notice_sent"] == [
        ("sla.deadline_armed", None),
        ("sla.warning", "half_time"),
        ("sla.warning", "one_working_day_before"),
        ("sla.card_issued", "yellow"),
        ("sla.card_issued", "red"),
    ]
    board = httpx.get(f"{sla.url}/supervision/board", params={"by": ["colour", "hall"]}, headers=sla.supervisor).json()[
        "items"
    ]
    assert [(g["key"], g["count"]) for g in board] == [({"colour": "red", "hall": "DEMO"}, 1)]
    assert len(board[0]["items"][0]["urging_notices"]) == 2  # one at the yellow card, one at the red


def test_a_letter_registered_days_later_is_due_counted_from_when_it_came_in(sla_factory, new_case_id) -> None:
    entered = datetime(2026, 3, 4, 15, 0, tzinfo=SH)  # opened and registered two days after it came
    sla = sla_factory("sqlite", entered + timedelta(minutes=1))
    letter = registered().model_copy(update={"channel": "letter", "received_at": REGISTERED_AT})
    sla.publish(CASE_EVENTS, letter, case_id=new_case_id, at=entered)

    armed = sla.wait_for(new_case_id, has(("sla.deadline_armed", None)))[0]

    assert datetime.fromisoformat(armed.data["due_at"]) == DUE  # as if registered when it came in


def test_a_pause_and_an_approved_extension_shift_the_cards(sla_factory, new_case_id) -> None:
    sla = sla_factory("sqlite", REGISTERED_AT + timedelta(minutes=1))
    order = "wo-" + new_case_id
    sla.publish(WORKORDER_EVENTS, WorkOrderDispatched(
        work_order_id=order, case_number="DEMO-1", department="market", role="lead", tier="simple", reason="rule",
    ), case_id=new_case_id, at=REGISTERED_AT)
    sla.wait_for(new_case_id, has(("sla.deadline_armed", None)))
    # A whole working day paused (Tuesday 10:00 to Wednesday 10:00) gives a day back: due Friday.
    sla.publish(CASE_EVENTS, CasePaused(case_number="DEMO-1", reason="经联社公示期"),
                case_id=new_case_id, at=datetime(2026, 3, 3, 10, 0, tzinfo=SH))
    sla.publish(CASE_EVENTS, CaseResumed(case_number="DEMO-1", reason="公示期满"),
                case_id=new_case_id, at=datetime(2026, 3, 4, 10, 0, tzinfo=SH))
    resumed = sla.wait_for(new_case_id, has(("sla.deadline_armed", "resumed")))
    assert ("sla.paused", None) in kinds(resumed)
    assert datetime.fromisoformat(resumed[-1].data["due_at"]) == datetime(2026, 3, 6, 17, 30, tzinfo=SH)
    # An extension to Tuesday 10 March is approved: 2 more working days.
    sla.publish(WORKORDER_EVENTS, ExtensionDecided(
        work_order_id=order, case_number="DEMO-1", department="market", approved=True,
        new_due_at=datetime(2026, 3, 10, 17, 30, tzinfo=SH), supervisor="督办专员",
    ), case_id=new_case_id, at=datetime(2026, 3, 5, 9, 0, tzinfo=SH))
    extended = sla.wait_for(new_case_id, has(("sla.deadline_armed", "extended")))
    assert datetime.fromisoformat(extended[-1].data["due_at"]) == datetime(2026, 3, 10, 17, 30, tzinfo=SH)

    sla.move_clock(datetime(2026, 3, 9, 12, 0, tzinfo=SH))  # past the original and the paused deadlines
    before = sla.wait_for(new_case_id, has(("sla.warning", "half_time")))
    assert ("sla.card_issued", "yellow") not in kinds(before)
    sla.move_clock(datetime(2026, 3, 10, 17, 31, tzinfo=SH))
    after = sla.wait_for(new_case_id, has(("sla.card_issued", "yellow")))
    card = next(e for e in after if e.type == "sla.card_issued")
    assert datetime.fromisoformat(card.data["due_at"]) == datetime(2026, 3, 10, 17, 30, tzinfo=SH)


@pytest.mark.parametrize("kind", DATABASES)
def test_a_restart_between_warning_and_deadline_loses_nothing_and_repeats_nothing(
    sla_factory, new_case_id, kind
) -> None:
    sla = sla_factory(kind, REGISTERED_AT + timedelta(minutes=1))
    sla.publish(CASE_EVENTS, registered(), case_id=new_case_id, at=REGISTERED_AT)
    sla.wait_for(new_case_id, has(("sla.deadline_armed", None)))
    sla.move_clock(datetime(2026, 3, 4, 12, 0, tzinfo=SH))
    sla.wait_for(new_case_id, has(("sla.warning", "half_time")))

    sla.stack.kill("sla")  # SIGKILL between the warning and the deadline
    sla.restart_with_clock(DUE + timedelta(hours=1))  # down past the second warning and the deadline
    events = sla.wait_for(new_case_id, has(("sla.card_issued", "yellow")))
    sla.move_clock(DUE + timedelta(hours=2))  # more sweeps: nothing new may come
    events = sla.observed_for(new_case_id, seconds=2)

    unique = {e.id: e for e in events}.values()  # the outbox may repeat an event id; consumers dedupe
    assert sorted(k for k in kinds(unique) if k[0] != "sla.urging_notice_sent") == sorted([
        ("sla.deadline_armed", None),
        ("sla.warning", "half_time"),
        ("sla.card_issued", "yellow"),  # the stale "one working day before" warning is superseded
    ])


def test_a_third_return_cards_the_case_red_and_the_reply_closes_it_on_time(sla_factory, new_case_id) -> None:
    sla = sla_factory("sqlite", REGISTERED_AT + timedelta(minutes=1))
    sla.publish(CASE_EVENTS, registered(), case_id=new_case_id, at=REGISTERED_AT)
    sla.wait_for(new_case_id, has(("sla.deadline_armed", None)))
    sla.publish(WORKORDER_EVENTS, WorkOrderDispatched(
        work_order_id="wo-3", case_number="DEMO-1", department="housing", role="lead", tier="simple", reason="rule",
    ), case_id=new_case_id, at=REGISTERED_AT + timedelta(minutes=5))
    # As in life, the return follows both deadlines: the two topics are consumed in no set order.
    sla.wait_for(new_case_id, lambda events: any(e.data.get("subject_id") == "wo-3" for e in events))
    sla.publish(WORKORDER_EVENTS, WorkOrderReturned(
        work_order_id="wo-3", case_number="DEMO-1", department="housing", reason="unclear_ownership", return_count=3,
    ), case_id=new_case_id, at=REGISTERED_AT + timedelta(hours=1))
    events = sla.wait_for(new_case_id, has(("sla.card_issued", "red")))
    card = next(e for e in events if e.type == "sla.card_issued")
    assert (card.data["subject"], card.data["reason"]) == ("case", "repeated_returns")
    [item] = httpx.get(f"{sla.url}/supervision", params={"department": "housing"}, headers=sla.supervisor).json()[
        "items"
    ]
    assert item["colour"] == "red" and item["urging_notices"][0]["text"].startswith("【督办·红牌】")

    sla.publish(CASE_EVENTS, CaseReplied(case_number="DEMO-1", reply="已办结"),
                case_id=new_case_id, at=REGISTERED_AT + timedelta(days=1))
    closed = sla.wait_for(new_case_id, has(("sla.closed", None)))[-1]
    assert (closed.data["subject"], closed.data["on_time"]) == ("case", True)
    states = {
        d["subject"]: d["state"]
        for d in httpx.get(f"{sla.url}/cases/{new_case_id}/deadlines", headers=sla.supervisor).json()["items"]
    }
    assert states == {"case": "closed", "work_order": "returned"}
