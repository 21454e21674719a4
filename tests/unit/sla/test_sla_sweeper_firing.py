"""The sweeper over a real SQLite store: a batch of due deadlines fires each stage once, the new supervision
items and urging notices written as plain rows with the sweep's commit, and a second sweep fires nothing."""

import json
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from shared import db, outbox
from shared.working_days import SHIPPED_OVERRIDES
from services.sla import store
from services.sla.domain.rules import Rules
from services.sla.store.tracking import refresh
from services.sla.workers import sweep_once
from tests.conftest import DATABASES, fresh_sessions

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=SH)


@pytest.fixture(params=DATABASES)
async def sessions(request, tmp_path):
    async with fresh_sessions(request.param, "sla", tmp_path) as factory:
        yield factory


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.load(overrides_path=SHIPPED_OVERRIDES)


async def open_deadline(sessions, rules: Rules, subject_id: str, *, started: datetime, tier: str) -> None:
    row = db.new_row(store.Deadline, case_id=f"case-{subject_id}", subject="work_order", subject_id=subject_id,
                     department="market", district="demo", hall="DEMO", tier=tier, state="open",
                     clock_started_at=started, clock_start="dispatched")
    refresh(rules, row)
    async with sessions() as session, session.begin():
        session.add(row)


async def test_a_fired_batch_gives_each_deadline_its_warning_or_cards_once(sessions, rules) -> None:
    # Due 03-05, red 03-12: both cards due. Due 03-23: only the half-time warning. Due 03-17: the yellow card.
    await open_deadline(sessions, rules, "both-cards", started=datetime(2026, 3, 2, 10, tzinfo=SH), tier="simple")
    await open_deadline(sessions, rules, "warned", started=datetime(2026, 3, 16, 10, tzinfo=SH), tier="general")
    await open_deadline(sessions, rules, "yellow", started=datetime(2026, 3, 12, 10, tzinfo=SH), tier="simple")

    lags = await sweep_once(sessions=sessions, rules=rules, now=NOW, batch=2)  # two transactions
    assert len(lags) == 4
    assert await sweep_once(sessions=sessions, rules=rules, now=NOW, batch=2) == []  # nothing twice

    async with sessions() as session:
        items = {i.work_order_id: i for i in (await session.exec(select(store.SupervisionItem))).all()}
        notices = (await session.exec(select(store.UrgingNotice))).all()
        staged = (await session.exec(select(outbox.OutboxMessage))).all()
    assert {w: (i.colour, i.red_at is not None, i.department) for w, i in items.items()} == {
        "both-cards": ("red", True, "market"), "yellow": ("yellow", False, "market")}
    assert Counter(n.supervision_id for n in notices) == {items["both-cards"].id: 2, items["yellow"].id: 1}
    assert len({n.id for n in notices}) == 3 and all(n.text.startswith("【督办·") for n in notices)
    sent = Counter()
    for message in staged:
        data, kind = json.loads(message.value), dict(message.headers)["ce_type"]
        sent[data["subject_id"], kind, data.get("colour") or data.get("warning")] += 1
    assert sent == {
        ("both-cards", "sla.card_issued", "yellow"): 1, ("both-cards", "sla.card_issued", "red"): 1,
        ("both-cards", "sla.urging_notice_sent", None): 2,
        ("warned", "sla.warning", "half_time"): 1,
        ("yellow", "sla.card_issued", "yellow"): 1, ("yellow", "sla.urging_notice_sent", None): 1,
    }


async def test_a_yellow_item_from_an_earlier_sweep_turns_red_in_place(sessions, rules) -> None:
    await open_deadline(sessions, rules, "late", started=datetime(2026, 3, 2, 10, tzinfo=SH), tier="simple")
    await sweep_once(sessions=sessions, rules=rules, now=datetime(2026, 3, 6, 9, 0, tzinfo=SH))  # yellow only
    await sweep_once(sessions=sessions, rules=rules, now=NOW)  # red

    async with sessions() as session:
        items = (await session.exec(select(store.SupervisionItem))).all()
        notices = (await session.exec(select(store.UrgingNotice))).all()
    assert [(i.work_order_id, i.colour) for i in items] == [("late", "red")]
    assert len(notices) == 2
