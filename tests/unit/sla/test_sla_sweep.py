from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sla.domain.schedule import compute_schedule
from services.sla.domain.sweep import due_firings, next_firing_at
from services.sla.domain.working_time import Pause

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def schedule(policy, calendar):
    return compute_schedule(
        clock_started_at=local(2026, 2, 13, 10), tier="general", policy=policy, calendar=calendar
    )


def test_an_unanswered_case_fires_each_stage_once_in_order_as_the_clock_moves(schedule):
    fired: set[str] = set()
    sent: list[str] = []
    now = local(2026, 2, 13, 10)
    while now < local(2026, 3, 20, 0):
        decision = due_firings(schedule=schedule, now=now, fired=fired)
        sent += [f.key for f in decision.fire]
        fired |= decision.done_keys
        now += timedelta(minutes=30)
    assert sent == ["warning:half_time", "warning:one_working_day_before", "yellow", "red"]


def test_nothing_fires_before_its_instant(schedule):
    decision = due_firings(schedule=schedule, now=local(2026, 2, 25, 9, 29), fired=set())
    assert decision.fire == () and decision.superseded == ()


def test_after_a_long_outage_both_cards_fire_once_and_stale_warnings_are_superseded(schedule):
    decision = due_firings(schedule=schedule, now=local(2026, 3, 10, 9), fired=set())
    assert [f.key for f in decision.fire] == ["yellow", "red"]
    assert [f.key for f in decision.superseded] == ["warning:half_time", "warning:one_working_day_before"]
    again = due_firings(schedule=schedule, now=local(2026, 3, 10, 9), fired=decision.done_keys)
    assert again.fire == () and again.superseded == ()


def test_an_outage_before_the_deadline_sends_only_the_latest_warning(schedule):
    decision = due_firings(schedule=schedule, now=local(2026, 2, 27, 9), fired=set())
    assert [f.key for f in decision.fire] == ["warning:one_working_day_before"]
    assert [f.key for f in decision.superseded] == ["warning:half_time"]


def test_a_card_already_fired_is_not_repeated_when_an_extension_moves_the_deadline(policy, calendar):
    extended = compute_schedule(
        clock_started_at=local(2026, 2, 13, 10), tier="general", policy=policy, calendar=calendar,
        extension_working_days=3,
    )
    decision = due_firings(schedule=extended, now=local(2026, 3, 4, 9), fired={"yellow"})
    assert decision.fire == ()


def test_a_pause_pushes_the_yellow_card_past_the_original_deadline(policy, calendar):
    paused = compute_schedule(
        clock_started_at=local(2026, 2, 13, 10), tier="general", policy=policy, calendar=calendar,
        pauses=[Pause(started_at=local(2026, 2, 24, 9), ended_at=local(2026, 2, 26, 9), reason="公示期")],
    )
    fired = {"warning:half_time", "warning:one_working_day_before"}
    assert due_firings(schedule=paused, now=local(2026, 2, 27, 18), fired=fired).fire == ()
    assert [f.key for f in due_firings(schedule=paused, now=local(2026, 3, 2, 18), fired=fired).fire] == [
        "yellow"
    ]


def test_next_firing_is_the_earliest_not_yet_done_and_none_when_all_are_done(schedule):
    assert next_firing_at(schedule=schedule, fired={"warning:half_time"}) == local(2026, 2, 26, 17, 30)
    assert next_firing_at(schedule=schedule, fired={f.key for f in schedule.firings}) is None


def test_a_naive_now_is_refused(schedule):
    with pytest.raises(ValueError):
        due_firings(schedule=schedule, now=datetime(2026, 3, 1), fired=set())
