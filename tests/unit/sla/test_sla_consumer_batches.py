"""sla's consumer over a real SQLite store: deadlines armed in a batch are inserted at commit, yet the
batch's later events for the same case find them (pause, withdraw), in order; a later batch finds them stored."""

import json
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiokafka import ConsumerRecord
from sqlmodel import select

from shared import outbox
from shared.consuming import BatchApplier
from shared.envelope import Envelope
from shared.events.base import Event
from shared.events.case import CasePaused, CaseRegistered, CaseResumed, CaseWithdrawn
from shared.events.workorder import WorkOrderCancelled, WorkOrderDispatched, WorkOrderReplied
from services.sla import handlers, store
from services.sla.app import build_runtime
from services.sla.config import SlaSettings
from tests.conftest import DATABASES, fresh_sessions

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture(params=DATABASES)
async def sessions(request, tmp_path):
    async with fresh_sessions(request.param, "sla", tmp_path) as factory:
        yield factory


def record(offset: int, event: Event, case_id: str, *, minutes: int = 0) -> ConsumerRecord:
    envelope = Envelope.wrap(event, source="test", case_id=case_id, district="demo", actor="staff:1", hall="DEMO",
                             occurred_at=START + timedelta(minutes=minutes))
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord("bancheng.case.events", 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


def registered(case_id: str) -> CaseRegistered:
    return CaseRegistered(case_number=f"DEMO-{case_id}", hall="DEMO", channel="walk_in", problem_kind="other",
                          description="租赁凭证", applicant_kind="person", applicant_masked="张*")


def dispatched(work_order_id: str) -> WorkOrderDispatched:
    return WorkOrderDispatched(work_order_id=work_order_id, case_number="DEMO-1", department="market", role="lead",
                               tier="simple", reason="rule")


def applier(sessions) -> BatchApplier:
    consumer = handlers.subscribers(build_runtime(SlaSettings()))[0]
    return BatchApplier(consumer=consumer, service="sla", sessions=sessions,
                        producer=lambda: pytest.fail("a record was dead-lettered"), on_commit=lambda: None)


async def stored(sessions) -> tuple[dict[str, store.Deadline], Counter]:
    async with sessions() as session:
        rows = {row.subject_id: row for row in (await session.exec(select(store.Deadline))).all()}
        staged = (await session.exec(select(outbox.OutboxMessage))).all()
    sent = Counter((json.loads(m.value)["subject_id"], dict(m.headers)["ce_type"]) for m in staged)
    return rows, sent


async def test_deadlines_armed_and_paused_in_one_batch_are_stored_paused(sessions) -> None:
    await applier(sessions)([record(0, registered("c1"), "c1"), record(1, dispatched("w1"), "c1", minutes=1),
                             record(2, CasePaused(case_number="DEMO-c1", reason="公示期"), "c1", minutes=2)])

    rows, sent = await stored(sessions)
    assert {k: (r.state, r.paused, r.due_at, len(r.pauses)) for k, r in rows.items()} == {
        "c1": ("open", True, None, 1), "w1": ("open", True, None, 1)}
    assert sent == {("c1", "sla.deadline_armed"): 1, ("c1", "sla.paused"): 1,
                    ("w1", "sla.deadline_armed"): 1, ("w1", "sla.paused"): 1}

    await applier(sessions)([record(3, CaseResumed(case_number="DEMO-c1", reason="公示结束"), "c1", minutes=60)])
    rows, sent = await stored(sessions)
    assert all(not r.paused and r.due_at is not None for r in rows.values())
    assert sent[("c1", "sla.deadline_armed")] == sent[("w1", "sla.deadline_armed")] == 2


async def test_a_case_withdrawn_in_the_batch_that_armed_it_closes_its_new_deadlines(sessions) -> None:
    await applier(sessions)([record(0, registered("c2"), "c2"), record(1, dispatched("w2"), "c2", minutes=1),
                             record(2, CaseWithdrawn(case_number="DEMO-c2", reason="撤回"), "c2", minutes=2),
                             record(3, registered("c3"), "c3")])

    rows, sent = await stored(sessions)
    assert {k: (r.state, r.next_firing_at is None) for k, r in rows.items()} == {
        "c2": ("closed", True), "w2": ("closed", True), "c3": ("open", False)}
    assert sent[("c2", "sla.closed")] == sent[("w2", "sla.closed")] == 1 and ("c3", "sla.closed") not in sent


async def test_a_deadline_armed_in_one_batch_is_closed_by_the_next(sessions) -> None:
    await applier(sessions)([record(0, dispatched("w4"), "c4"), record(1, dispatched("w4"), "c4")])  # twice: once
    await applier(sessions)([record(2, WorkOrderReplied(work_order_id="w4", case_number="DEMO-4", department="market",
                                                        reply="ok"), "c4", minutes=30)])

    rows, sent = await stored(sessions)
    assert (rows["w4"].state, rows["w4"].on_time) == ("closed", True)
    assert sent == {("w4", "sla.deadline_armed"): 1, ("w4", "sla.closed"): 1}


async def test_a_work_order_dispatched_after_its_case_was_withdrawn_is_closed_by_its_cancellation(
        sessions) -> None:
    """The case and work-order streams are read in no fixed order: the withdrawal may come first."""
    await applier(sessions)([record(0, registered("c5"), "c5"),
                             record(1, CaseWithdrawn(case_number="DEMO-c5", reason="撤回"), "c5", minutes=1)])
    await applier(sessions)([record(2, dispatched("w5"), "c5", minutes=2)])
    await applier(sessions)([record(3, WorkOrderCancelled(work_order_id="w5", case_number="DEMO-c5",
                                                          department="market", cause="withdrawn", reason="撤回"),
                                    "c5", minutes=3)])

    rows, sent = await stored(sessions)
    assert {k: (r.state, r.next_firing_at is None) for k, r in rows.items()} == {
        "c5": ("closed", True), "w5": ("closed", True)}
    assert sent[("w5", "sla.closed")] == 1
