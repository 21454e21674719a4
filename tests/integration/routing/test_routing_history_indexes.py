"""The inbox and the suggestions' top-up read through their indexes, whatever the history of finished rows.

A department's inbox is read on every page view and the suggestions top up once per case view: both must
cost what the page costs, not what every order or case ever replied costs. The statements routing really
runs are captured and explained on a migrated database holding a history of finished rows: on SQLite
without statistics (nothing runs ANALYZE on a service's file) and again with them.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from shared import db
from services.routing import store
from services.routing.domain.work_order import WorkOrderState
from tests.conftest import DATABASES
from tests.integration.routing.rows import START, routed_case, work_order
from tests.query_plans import captured_selects, full_scans, gather_statistics, migrated_engine, plans, sorts, uses_index

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"  # store/ is a package of the service
HISTORY = 5000
DEPARTMENTS = ("market", "housing", "tax", "civil_affairs", "street_office")


def order(number: int, *, state: str) -> dict[str, object]:
    """Spread over five departments; an escalated one coordinated by gov_data."""
    return work_order(number, state=state, department=DEPARTMENTS[number % len(DEPARTMENTS)],
                      coordinator="gov_data" if state == "escalated" else None)


def case(number: int, *, state: str) -> dict[str, object]:
    return routed_case(f"case-{state}-{number}", state=state, at=START + timedelta(minutes=number))


@pytest.mark.parametrize("kind", DATABASES)
async def test_inbox_and_replied_cases_read_their_indexes_not_the_history(kind: str, tmp_path: Path) -> None:
    async with migrated_engine(kind, "routing", tmp_path, MIGRATIONS) as engine:
        async with engine.begin() as connection:
            await connection.execute(
                insert(store.WorkOrder.__table__),
                [
                    *(order(n, state="replied" if n % 10 else "returned") for n in range(HISTORY)),
                    *(
                        order(n, state=("dispatched", "signed_for", "escalated")[n % 3])
                        for n in range(HISTORY, HISTORY + 100)
                    ),
                ],
            )
            await connection.execute(insert(store.RoutedCase.__table__), [
                *(case(n, state="replied") for n in range(HISTORY)),
                *(case(n, state="routed") for n in range(HISTORY, HISTORY + 100)),
            ])
        sessions = db.session_factory(engine)
        with captured_selects(engine) as statements:
            async with sessions() as session:
                open_orders = await store.inbox_of(session, department="gov_data")
                replied = await store.inbox_of(session, department="market", state=WorkOrderState.replied)
                signed = await store.inbox_of(session, department="market", state=WorkOrderState.signed_for)
                last_seen = (START + timedelta(minutes=HISTORY - 20), f"case-replied-{HISTORY - 20}")
                recent = await store.replied_cases_since(session, since=last_seen)

        assert len(open_orders) == 34 and {o.state for o in open_orders} == {"escalated"}
        assert len(replied) == 200 and replied[0].created_at > replied[-1].created_at
        assert len(signed) == 7 and signed[0].created_at < signed[-1].created_at
        assert len(recent) == 19
        assert len(statements) == 4
        for analyzed in (False, True) if kind == "sqlite" else (True,):  # no service runs ANALYZE on SQLite
            if analyzed:
                await gather_statistics(engine)
            *inbox_plans, top_up_plan = await plans(engine, statements)
            for plan in inbox_plans:
                assert uses_index(plan, "ix_work_order_department_state_created_at"), plan
                assert uses_index(plan, "ix_work_order_coordinator_state_created_at"), plan
                assert not full_scans(plan, "work_order"), plan
            assert uses_index(top_up_plan, "ix_routed_case_state_replied_at"), top_up_plan
            assert not full_scans(top_up_plan, "routed_case"), top_up_plan
            assert not sorts(top_up_plan), top_up_plan  # in the index's order
