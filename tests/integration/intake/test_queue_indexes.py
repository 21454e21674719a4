"""The queues and the search read through their indexes, however many cases the district has archived.

A queue is read on every page view of the console's work lists: it must cost what its page costs, not
what the history costs. The statements intake really runs are captured and explained on a migrated
database holding thousands of archived cases: on SQLite without statistics (nothing runs ANALYZE on a
service's file) and again with them.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from shared import db
from services.intake import store
from tests.conftest import DATABASES
from tests.query_plans import captured_selects, full_scans, gather_statistics, migrated_engine, plans, uses_index

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"
HISTORY = 5000
START = datetime(2026, 1, 5, tzinfo=UTC)
STATE_INDEXES = ("ix_case_queue_district", "ix_case_queue_hall", "ix_case_state")
OPEN = ("registered", "accepted", "dispatched", "replied", "reopened", "paused")


def case(number: int, *, state: str) -> dict[str, object]:
    at = START + timedelta(minutes=number)
    return {
        "id": f"case-{number:05d}", "case_number": f"FT-20260105-{number + 1:04d}", "district": "demo",
        "hall": ("FT", "DEMO")[number // len(OPEN) % 2], "channel": "walk_in", "problem_kind": "missing_materials",
        "description": "材料", "complexity_tier": "general", "green_channel": False, "applicant_kind": "person",
        "applicant_name": "v1:dev:x:y", "applicant_phone": "v1:dev:x:y", "applicant_masked": {"name": "王*"},
        "applicant_phone_index": f"{number:064x}", "applicant_name_index": f"{number % 700:064x}",
        "state": state, "first_responder": "person:clerk", "reply": "", "created_at": at, "updated_at": at,
        "reply_due_at": at + timedelta(days=5) if state != "paused" else None,
    }


@pytest.mark.parametrize("kind", DATABASES)
async def test_queues_and_search_read_their_indexes_not_the_archive(kind: str, tmp_path: Path) -> None:
    async with migrated_engine(kind, "intake", tmp_path, MIGRATIONS) as engine:
        async with engine.begin() as connection:
            await connection.execute(insert(store.Case.__table__), [
                *(case(n, state="archived") for n in range(HISTORY)),
                *(case(n, state=OPEN[n % len(OPEN)]) for n in range(HISTORY, HISTORY + 60)),
            ])
        sessions = db.session_factory(engine)
        now = START + timedelta(days=30)
        with captured_selects(engine) as statements:
            async with sessions() as session:
                waiting = await store.queue_cases(session, states={"registered"}, district="demo", limit=100)
                at_hall = await store.queue_cases(session, states={"replied"}, district="demo", hall="FT", limit=100)
                overdue = await store.queue_cases(session, states={"registered", "accepted", "dispatched", "reopened"},
                                                  due_before=now, district="demo", limit=100)
                stuck = await store.queue_cases(session, states={"dispatched"}, stuck_before=now, district="demo",
                                                limit=100)
                found = await store.find_cases(session, equal={
                    "applicant_phone_index": f"{HISTORY + 1:064x}", "case_number": "FT-20260105-0007"},
                    district="demo")

        assert len(waiting) == 10 and len(at_hall) == 5 and len(overdue) == 40 and len(stuck) == 10
        assert [row.reply_due_at for row in waiting] == sorted(row.reply_due_at for row in waiting)
        assert {row.id for row in found} == {f"case-{HISTORY + 1:05d}", "case-00006"}
        for analyzed in (False, True) if kind == "sqlite" else (True,):
            if analyzed:
                await gather_statistics(engine)
            *queue_plans, search_plan = await plans(engine, statements)
            for plan in queue_plans:
                # PostgreSQL may prefer the plain state index when one district holds every case: as good here.
                assert any(uses_index(plan, name) for name in STATE_INDEXES), plan
                assert not full_scans(plan, "case"), plan
            assert not full_scans(search_plan, "case"), search_plan
