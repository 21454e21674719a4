"""A department's inbox reads its open deadlines through their index, however many it has closed.

`GET /departments/{d}/deadlines` filters on the department and the open states and orders by the due instant:
the index on (department, state, due_at) finds the open rows without walking the department's history. The
statements are captured and explained on a migrated database holding a history of closed rows: on SQLite
without statistics (nothing runs ANALYZE on a service's file) and again with them.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from shared import db
from services.sla import store
from tests.conftest import DATABASES
from tests.query_plans import captured_selects, full_scans, gather_statistics, migrated_engine, plans, uses_index

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"  # store/ is a package of the service
HISTORY = 5000
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def deadline(number: int, *, department: str, state: str) -> dict[str, object]:
    return {"id": f"dl-{number:05d}", "case_id": f"case-{number}", "subject": "work_order",
            "subject_id": f"wo-{number}", "department": department, "district": "demo", "tier": "general",
            "state": state, "clock_start": "dispatched", "pauses": [], "extension_working_days": 0,
            "paused": False, "assumed_weekdays": False, "fired": [],
            "due_at": START + timedelta(hours=(number * 7919) % HISTORY)}


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_departments_open_deadlines_are_read_by_their_index_soonest_due_first(kind: str,
                                                                                      tmp_path: Path) -> None:
    async with migrated_engine(kind, "sla", tmp_path, MIGRATIONS) as engine:
        async with engine.begin() as connection:
            await connection.execute(insert(store.Deadline.__table__), [
                # One open in fifty, shared by three departments.
                deadline(n, department=("market", "housing", "tax")[n % 3], state="closed" if n % 50 else "open")
                for n in range(HISTORY)
            ])
        sessions = db.session_factory(engine)
        with captured_selects(engine) as statements:
            async with sessions() as session:
                first = await store.open_deadlines_of_department(session, department="market", district="demo",
                                                                 offset=0, limit=20)
                rest = await store.open_deadlines_of_department(session, department="market", district="demo",
                                                                offset=20, limit=100)

        expected = sorted((d for n in range(0, HISTORY, 50) if n % 3 == 0
                           for d in [deadline(n, department="market", state="open")]),
                          key=lambda d: (d["due_at"], d["id"]))
        assert [row.id for row in first + rest] == [d["id"] for d in expected]
        for analyzed in (False, True) if kind == "sqlite" else (True,):  # no service runs ANALYZE on SQLite
            if analyzed:
                await gather_statistics(engine)
            for plan in await plans(engine, statements):
                assert uses_index(plan, "ix_deadline_department_state_due_at"), plan
                assert not full_scans(plan, "deadline"), plan
