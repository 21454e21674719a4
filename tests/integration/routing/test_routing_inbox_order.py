"""A department's inbox shows its open work orders first, however long its history of finished ones.

Finished orders are written straight into a migrated database (a department's months in service), and
the inbox is read as the route reads it; the HTTP check runs against the routing process.
"""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from shared import db
from services.routing import store
from services.routing.domain.work_order import WorkOrderState
from tests.conftest import DATABASES
from tests.integration.routing.conftest import staff
from tests.integration.routing.rows import work_order as order
from tests.query_plans import migrated_engine

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"  # store/ is a package of the service


@pytest.fixture(params=DATABASES)
async def sessions(request: pytest.FixtureRequest, tmp_path: Path):
    async with migrated_engine(request.param, "routing", tmp_path, MIGRATIONS) as engine:
        async with engine.begin() as connection:
            await connection.execute(insert(store.WorkOrder.__table__), [
                *(order(n, state="replied") for n in range(250)),  # the oldest: months of finished orders
                order(250, state="signed_for"),
                order(251, state="escalated", department="housing", coordinator="market"),  # market coordinates it
                order(252, state="returned"),
                order(253, state="dispatched"),
                order(254, state="dispatched", department="housing"),  # another department's
                order(255, state="cancelled"),
                order(256, state="extension_requested"),
            ])
        yield db.session_factory(engine)


async def test_a_department_with_hundreds_of_finished_orders_still_sees_its_open_ones_oldest_first(sessions) -> None:
    async with sessions() as session:
        inbox = await store.inbox_of(session, department="market")
    assert [o.id for o in inbox] == ["wo-signed_for-market-0250", "wo-escalated-housing-0251",
                                     "wo-dispatched-market-0253", "wo-extension_requested-market-0256"]


async def test_a_finished_state_lists_the_newest_first_and_an_open_state_the_oldest_first(sessions) -> None:
    async with sessions() as session:
        replied = await store.inbox_of(session, department="market", state=WorkOrderState.replied)
        dispatched = await store.inbox_of(session, department="market", state=WorkOrderState.dispatched)
        coordinated = await store.inbox_of(session, department="market", state=WorkOrderState.escalated)
    assert [o.id for o in replied] == [f"wo-replied-market-{n:04d}" for n in range(249, 49, -1)]  # a page of 200
    assert [o.id for o in dispatched] == ["wo-dispatched-market-0253"]
    assert [o.id for o in coordinated] == ["wo-escalated-housing-0251"]


async def test_an_unknown_state_is_refused_naming_the_field(routing) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        refused = await client.get("/departments/market/work-orders", params={"state": "bogus"})
        known = await client.get("/departments/market/work-orders", params={"state": "replied"})
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "state" and "'extension_requested'" in error["en"]  # the states it takes
    assert known.status_code == 200
