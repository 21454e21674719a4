"""The inbox and the suggestions' top-up read through their indexes, whatever the history of finished rows.

A department's inbox is read on every page view and the suggestions top up once per case view: both must
cost what the page costs, not what every order or case ever replied costs. The statements routing really
runs are captured and explained on a migrated database holding a history of finished rows: on SQLite
without statistics (nothing runs ANALYZE on a service's file) and again with them.
"""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert, text

from shared import db, migrations
from services.routing import store
from services.routing.domain.work_order import WorkOrderState
from tests.conftest import DATABASES, database_url

MIGRATIONS = Path(store.__file__).parent / "migrations"
HISTORY = 5000
DEPARTMENTS = ("market", "housing", "tax", "civil_affairs", "street_office")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def order(number: int, *, state: str) -> dict[str, object]:
    department = DEPARTMENTS[number % len(DEPARTMENTS)]
    coordinator = "gov_data" if state == "escalated" else None
    return {"id": f"wo-{state}-{number}", "case_id": f"case-{number}", "case_number": f"DEMO-{number}",
            "district": "demo", "department": department, "role": "lead", "tier": "general", "state": state,
            "reason": "rule", "created_at": START + timedelta(minutes=number), "return_note": "",
            "coordinator": coordinator, "extensions": [], "escalations": [], "meetings": []}


def case(number: int, *, state: str) -> dict[str, object]:
    at = START + timedelta(minutes=number)
    return {"case_id": f"case-{state}-{number}", "case_number": f"DEMO-{number}", "district": "demo",
            "problem_kind": "other", "description": "d", "tier": "general", "suggested_departments": [],
            "state": state, "reason": "rule", "confidence": 0.0, "catalogue_version": 1, "route": ["market"],
            "returns": [], "referral": [], "replied_at": at if state == "replied" else None, "created_at": at}


async def plans(engine, statements: list[tuple[str, object]], kind: str) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        return [" / ".join(str(row[-1]) for row in await connection.exec_driver_sql(explain + sql, params))
                for sql, params in statements]


def full_scans(plan: str, table: str) -> list[str]:
    # SQLite's SCAN walks a whole table or index; PostgreSQL's Seq Scan reads every row.
    return re.findall(rf"\bSCAN {table}\b|\bSeq Scan on {table}\b", plan)


@pytest.mark.parametrize("kind", DATABASES)
async def test_inbox_and_replied_cases_read_their_indexes_not_the_history(kind: str, tmp_path: Path) -> None:
    url = database_url(kind, "routing", tmp_path)
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
    engine = db.create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(store.WorkOrder.__table__), [
                *(order(n, state="replied" if n % 10 else "returned") for n in range(HISTORY)),
                *(order(n, state=("dispatched", "signed_for", "escalated")[n % 3]) for n in range(HISTORY, HISTORY + 100)),
            ])
            await connection.execute(insert(store.RoutedCase.__table__), [
                *(case(n, state="replied") for n in range(HISTORY)),
                *(case(n, state="routed") for n in range(HISTORY, HISTORY + 100)),
            ])
        sessions = db.session_factory(engine)
        statements: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        async with sessions() as session:
            open_orders = await store.inbox_of(session, department="gov_data")
            replied = await store.inbox_of(session, department="market", state=WorkOrderState.replied)
            signed = await store.inbox_of(session, department="market", state=WorkOrderState.signed_for)
            last_seen = (START + timedelta(minutes=HISTORY - 20), f"case-replied-{HISTORY - 20}")
            recent = await store.replied_cases_since(session, since=last_seen)
        event.remove(engine.sync_engine, "before_cursor_execute", capture)

        assert len(open_orders) == 34 and {o.state for o in open_orders} == {"escalated"}
        assert len(replied) == 200 and replied[0].created_at > replied[-1].created_at
        assert len(signed) == 7 and signed[0].created_at < signed[-1].created_at
        assert len(recent) == 19
        assert len(statements) == 4
        # SQLite has statistics only once told to gather them; PostgreSQL's autovacuum gathers them.
        for analyzed in (False, True) if kind == "sqlite" else (True,):
            if analyzed:
                async with engine.begin() as connection:
                    await connection.execute(text("ANALYZE"))
            *inbox_plans, top_up_plan = await plans(engine, statements, kind)
            for plan in inbox_plans:
                assert re.search(r"\bix_work_order_department_state_created_at\b", plan), plan
                assert re.search(r"\bix_work_order_coordinator_state_created_at\b", plan), plan
                assert not full_scans(plan, "work_order"), plan
            assert re.search(r"\bix_routed_case_state_replied_at\b", top_up_plan), top_up_plan
            assert not full_scans(top_up_plan, "routed_case"), top_up_plan
            assert "TEMP B-TREE" not in top_up_plan and "Sort" not in top_up_plan, top_up_plan  # in index order
    finally:
        await engine.dispose()
