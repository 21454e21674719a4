"""A stored work order and the domain's WorkOrder map onto each other without losing history."""

from datetime import timedelta

from services.routing import store
from services.routing.domain import work_order as domain
from services.routing.domain.catalogue import Level
from services.routing.store.orders import apply, to_domain
from tests.unit.routing.conftest import utc


def test_extensions_escalations_and_meetings_survive_a_round_trip_through_the_row() -> None:
    t0 = utc(2026, 11, 23, 2)
    row = store.WorkOrder(id="wo-1", case_id="c-1", case_number="DEMO-1", district="demo", department="market",
                          role="lead", tier="general", state="dispatched", reason="r", created_at=t0)
    order = domain.sign_for(to_domain(row), department="market", at=t0 + timedelta(hours=1))
    order = domain.request_extension(order, department="market", new_due_at=t0 + timedelta(days=20),
                                     legal_basis="公示期", reason="等待公示", at=t0 + timedelta(hours=2))
    order = domain.decide_extension(order, approve=True, supervisor="wang", at=t0 + timedelta(hours=3))
    order = domain.escalate(order, level=Level.district, coordinator="gov_data", actor="market", reason="协调",
                            at=t0 + timedelta(hours=4))
    order = domain.record_meeting(order, convened_by="gov_data", participants=("market", "tax"), decision="同步办理",
                                  held_at=t0 + timedelta(hours=5))
    apply(row, order)

    assert to_domain(row) == order
    assert row.coordinator == "gov_data" and row.due_at == t0 + timedelta(days=20)
    assert row.extensions[0]["approved"] is True and row.escalations[0]["level"] == "district"


def test_a_cancelled_order_keeps_when_it_was_cancelled() -> None:
    t0 = utc(2026, 11, 23, 2)
    row = store.WorkOrder(id="wo-1", case_id="c-1", case_number="DEMO-1", district="demo", department="market",
                          role="lead", tier="general", state="dispatched", reason="r", created_at=t0)
    apply(row, domain.cancel(to_domain(row), at=t0 + timedelta(days=1)))

    assert (row.state, row.cancelled_at) == ("cancelled", t0 + timedelta(days=1))
    assert to_domain(row).cancelled_at == t0 + timedelta(days=1)
