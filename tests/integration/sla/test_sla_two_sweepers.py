"""Two sla processes sweep one PostgreSQL database: each warning and card fires once, whichever sweeps.

The sweeper claims due deadlines `FOR UPDATE SKIP LOCKED` and fires them in the claim's transaction, so
the second process skips what the first holds and finds it fired once that commits.
"""

import re
import uuid
from collections import Counter
from datetime import datetime, timedelta

import httpx
import pytest

from shared.topics import CASE_EVENTS
from tests.conftest import database_url
from tests.integration.sla.test_sla_timers_over_broker import DUE, REGISTERED_AT, SH, kinds, registered

pytestmark = pytest.mark.postgres
CASES = 40


def firings(url: str) -> float:
    """Warnings and cards this process fired (`bancheng_sla_firings_total`, every stage)."""
    return sum(
        float(n) for n in re.findall(r"bancheng_sla_firings_total\{[^}]*\} (\S+)", httpx.get(f"{url}/metrics").text)
    )


def test_two_sla_processes_on_one_database_fire_each_warning_and_card_once(sla_factory, tmp_path) -> None:
    url = database_url("postgres", "sla", tmp_path)
    first = sla_factory("postgres", REGISTERED_AT + timedelta(minutes=1), BANCHENG_SLA_DATABASE_URL=url)
    second = sla_factory("postgres", REGISTERED_AT + timedelta(minutes=1), BANCHENG_SLA_DATABASE_URL=url)
    run = uuid.uuid4().hex[:8]
    case_ids = [f"case-{run}-{n}" for n in range(CASES)]
    for case_id in case_ids:
        first.publish(CASE_EVENTS, registered(), case_id=case_id, at=REGISTERED_AT)

    def fired(events) -> Counter:
        return Counter((e.case_id, *kind) for e, kind in zip(events, kinds(events), strict=True)
                       if e.case_id in case_ids and kind[0] != "sla.urging_notice_sent")

    def all_fired(kind: tuple):
        return lambda events: sum(key[1:] == kind for key in fired(events)) == CASES

    first.wait_for(None, all_fired(("sla.deadline_armed", None)), timeout_s=60)
    for now, kind in ((datetime(2026, 3, 4, 12, 0, tzinfo=SH), ("sla.warning", "half_time")),
                      (datetime(2026, 3, 5, 9, 0, tzinfo=SH), ("sla.warning", "one_working_day_before")),
                      (DUE + timedelta(minutes=5), ("sla.card_issued", "yellow")),
                      (datetime(2026, 3, 12, 17, 35, tzinfo=SH), ("sla.card_issued", "red"))):
        for sla in (first, second):
            sla.move_clock(now)
        first.wait_for(None, all_fired(kind), timeout_s=60)
    events = first.observed_for(None, 3)  # a few more sweeps of both: nothing fires again

    counts = fired(events)
    expected = {("sla.deadline_armed", None), ("sla.warning", "half_time"), ("sla.warning", "one_working_day_before"),
                ("sla.card_issued", "yellow"), ("sla.card_issued", "red")}
    assert {key[1:] for key in counts} == expected
    assert set(counts.values()) == {1}, counts.most_common(3)
    assert len(counts) == CASES * len(expected)
    # Both processes swept (their clocks moved one after the other, so which one fires a round is a race: a
    # round may fall to one of them alone); what counts is that no firing was repeated.
    assert firings(first.url) + firings(second.url) >= CASES * (len(expected) - 1)
