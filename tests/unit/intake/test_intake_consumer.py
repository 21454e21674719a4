"""Intake's consumer over a real SQLite database: a batch's work-order events are applied in order,
each case and work order looked up once per batch, and events for cases intake does not hold ignored."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord
from sqlmodel import select

from shared.consuming import BatchApplier
from shared.envelope import Envelope
from shared.events.base import Event
from shared.events.workorder import WorkOrderCancelled, WorkOrderDispatched, WorkOrderReplied, WorkOrderReturned
from shared.ids import new_id
from shared.personal_data import get_keyring
from services.intake import handlers, store
from services.intake.app import build_runtime
from services.intake.config import IntakeSettings
from services.intake.store import personal_data
from tests.conftest import DATABASES, fresh_sessions


@pytest.fixture(params=DATABASES)
async def sessions(request, tmp_path):
    async with fresh_sessions(request.param, "intake", tmp_path) as factory:
        yield factory


async def a_case(sessions) -> str:
    now, case_id = datetime.now(UTC), new_id()
    applicant = personal_data.sealed_columns(get_keyring(environment="test"), case_id=case_id, applicant={
        "kind": "person", "name": "张三", "phone": "13812345678", "email": None, "id_type": None, "id_number": None,
        "credit_code": None, "contact_name": ""})
    case = store.Case(id=case_id, case_number=f"FT-{uuid4().hex[:8]}", district="demo", hall="FT", channel="walk_in",
                      problem_kind="missing_materials", description="租赁凭证", complexity_tier="general",
                      **applicant, state="forwarded", first_responder="staff:1", created_at=now, updated_at=now)
    async with sessions() as session, session.begin():
        session.add(case)
    return case.id


def record(offset: int, event: Event, case_id: str) -> ConsumerRecord:
    envelope = Envelope.wrap(event, source="routing", case_id=case_id, district="demo", actor="service:routing",
                             hall="FT", occurred_at=datetime.now(UTC))
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord("bancheng.workorder.events", 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


def dispatched(work_order_id: str, department: str, role: str = "lead") -> WorkOrderDispatched:
    return WorkOrderDispatched(work_order_id=work_order_id, case_number="FT-1", department=department, role=role,
                               tier="general", reason="rule")


def applier(sessions) -> BatchApplier:
    def no_producer():
        raise AssertionError("a record was dead-lettered")

    consumer = handlers.subscribers(build_runtime(IntakeSettings()))[0]
    return BatchApplier(consumer=consumer, service="intake", sessions=sessions, producer=no_producer,
                        on_commit=lambda: None)


async def work_orders(sessions) -> dict[str, tuple[str, str, str]]:
    async with sessions() as session:
        rows = (await session.exec(select(store.CaseWorkOrder))).all()
    return {row.work_order_id: (row.case_id, row.department, row.state) for row in rows}


async def test_a_batch_with_several_events_for_one_case_applies_them_in_order(sessions) -> None:
    case_id = await a_case(sessions)
    await applier(sessions)([
        record(0, dispatched("wo-lead", "market"), case_id),
        record(1, dispatched("wo-help", "housing", role="assisting"), case_id),
        record(2, WorkOrderReplied(work_order_id="wo-lead", case_number="FT-1", department="market", reply="ok"),
               case_id),
        record(3, WorkOrderReturned(work_order_id="wo-help", case_number="FT-1", department="housing",
                                    reason="other", note="not ours", return_count=1), case_id),
        record(4, dispatched("wo-again", "tax"), case_id),
        record(5, WorkOrderReplied(work_order_id="wo-again", case_number="FT-1", department="tax", reply="ok"),
               case_id),
    ])

    assert await work_orders(sessions) == {
        "wo-lead": (case_id, "market", "replied"),
        "wo-help": (case_id, "housing", "returned"),
        "wo-again": (case_id, "tax", "replied"),
    }


async def test_work_orders_stored_before_are_moved_by_a_later_batch(sessions) -> None:
    case_id = await a_case(sessions)
    await applier(sessions)([record(0, dispatched("wo-1", "market"), case_id),
                             record(1, dispatched("wo-2", "tax"), case_id)])
    await applier(sessions)([
        record(2, WorkOrderReturned(work_order_id="wo-1", case_number="FT-1", department="market",
                                    reason="other", return_count=1), case_id),
        record(3, WorkOrderReplied(work_order_id="wo-2", case_number="FT-1", department="tax", reply="ok"), case_id),
        record(4, dispatched("wo-1", "market"), case_id),  # dispatched again after the return
    ])

    assert await work_orders(sessions) == {"wo-1": (case_id, "market", "dispatched"),
                                           "wo-2": (case_id, "tax", "replied")}


async def test_work_orders_cancelled_with_a_withdrawn_case_are_shown_cancelled(sessions) -> None:
    case_id = await a_case(sessions)
    await applier(sessions)([record(0, dispatched("wo-1", "market"), case_id)])
    await applier(sessions)([
        record(1, dispatched("wo-2", "tax", role="assisting"), case_id),
        record(2, WorkOrderCancelled(work_order_id="wo-1", case_number="FT-1", department="market",
                                     cause="withdrawn", reason="申请人撤回"), case_id),
        record(3, WorkOrderCancelled(work_order_id="wo-2", case_number="FT-1", department="tax",
                                     cause="withdrawn", reason="申请人撤回"), case_id),
    ])

    assert await work_orders(sessions) == {"wo-1": (case_id, "market", "cancelled"),
                                           "wo-2": (case_id, "tax", "cancelled")}


async def test_work_orders_of_cases_intake_does_not_hold_are_ignored(sessions) -> None:
    case_id = await a_case(sessions)
    await applier(sessions)([
        record(0, dispatched("wo-elsewhere", "market"), "a-case-of-another-intake"),
        record(1, WorkOrderReplied(work_order_id="wo-unknown", case_number="FT-9", department="tax", reply="ok"),
               case_id),
        record(2, dispatched("wo-ours", "tax"), case_id),
    ])

    assert await work_orders(sessions) == {"wo-ours": (case_id, "tax", "dispatched")}
