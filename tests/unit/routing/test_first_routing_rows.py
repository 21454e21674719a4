"""A batch of forwarded cases through routing's consumer on SQLite: each new case and its first work orders
are built as plain rows and inserted at commit, every column written, each case routed once."""

import json
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from sqlmodel import select

from shared import outbox
from shared.consuming import BatchApplier
from shared.db import plain_row
from shared.envelope import Envelope
from shared.events.case import CaseForwarded
from shared.topics import WORKORDER_EVENTS
from services.routing import handlers, store
from services.routing.app import build_runtime
from services.routing.config import RoutingSettings
from tests.conftest import DATABASES, fresh_sessions


@pytest.fixture(params=DATABASES)
async def sessions(request, tmp_path):
    async with fresh_sessions(request.param, "routing", tmp_path) as factory:
        yield factory


def forwarded(offset: int, case_id: str, matter_code: str | None) -> ConsumerRecord:
    event = CaseForwarded(case_number=f"FT-{case_id}", hall="FT", problem_kind="missing_materials",
                          matter_code=matter_code, description="租赁备案缺少银行同意函，孩子入学急需租赁凭证",
                          suggested_departments=["housing"])
    envelope = Envelope.wrap(event, source="intake", case_id=case_id, district="demo", actor="staff:1", hall="FT",
                             occurred_at=datetime.now(UTC))
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord("bancheng.case.events", 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


def test_a_plain_row_has_every_column_with_its_defaults_and_refuses_unknown_ones() -> None:
    row = plain_row(store.WorkOrder, case_id="c", case_number="FT-1", district="demo", department="housing",
                    role="lead", tier="simple", state="dispatched", reason="r")
    assert len(row.id) == 36 and row.created_at.tzinfo is not None
    assert (row.extensions, row.return_note, row.due_at) == ([], "", None)
    assert row.__table__ is store.WorkOrder.__table__
    with pytest.raises(TypeError, match="without case_number"):
        plain_row(store.WorkOrder, case_id="c")
    with pytest.raises(TypeError, match="no field colour"):
        plain_row(store.WorkOrder, case_id="c", case_number="FT-1", district="demo", department="housing",
                  role="lead", tier="simple", state="dispatched", reason="r", colour="red")


async def test_new_cases_and_their_first_work_orders_are_stored_at_commit_once_each(sessions) -> None:
    applier = BatchApplier(consumer=handlers.subscribers(build_runtime(RoutingSettings()))[0], service="routing",
                           sessions=sessions, producer=lambda: pytest.fail("a record was dead-lettered"),
                           on_commit=lambda: None)
    await applier([forwarded(0, "case-a", "lease_filing"), forwarded(1, "case-b", None),
                   forwarded(2, "case-a", "lease_filing")])  # case-a forwarded twice: routed once

    async with sessions() as session:
        cases = {c.case_id: c for c in (await session.exec(select(store.RoutedCase))).all()}
        orders = (await session.exec(select(store.WorkOrder).order_by(store.WorkOrder.department))).all()
        staged = (await session.exec(select(outbox.OutboxMessage))).all()
    assert sorted(cases) == ["case-a", "case-b"]
    routed = cases["case-a"]
    assert (routed.state, routed.route, routed.suggested_departments) == ("routed", ["housing"], ["housing"])
    assert routed.catalogue_version >= 1 and routed.created_at is not None and routed.reason
    assert [(o.case_id, o.department, o.role, o.state, o.matter_code) for o in orders if o.case_id == "case-a"] == [
        ("case-a", "housing", "lead", "dispatched", "lease_filing"),
    ]
    announced = [json.loads(m.value)["work_order_id"] for m in staged
                 if m.topic == WORKORDER_EVENTS and ["ce_type", "workorder.dispatched"] in m.headers]
    assert sorted(announced) == sorted(o.id for o in orders)  # each stored order announced once, by its id
