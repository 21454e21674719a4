"""A calendar reload pages through the open deadlines alone, through their index, however many have closed.

The reload reads the open deadlines whose calendar span may cover the changed days, a page at a time by
id. Closed deadlines keep their span, so without an index on (state, id) the page walks every deadline
ever tracked. The statements are captured and explained on a migrated database holding a history of
closed rows: on SQLite without statistics (nothing runs ANALYZE on a service's file) and again with them.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from shared import db
from services.sla import store
from tests.conftest import DATABASES
from tests.query_plans import captured_selects, full_scans, gather_statistics, migrated_engine, plans, sorts, uses_index

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"  # store/ is a package of the service
HISTORY = 5000
PAGE = 30


def deadline(number: int, *, state: str, first: date) -> dict[str, object]:
    return {"id": f"dl-{number:05d}", "case_id": f"case-{number}", "subject": "case", "subject_id": f"case-{number}",
            "district": "demo", "tier": "general", "state": state, "clock_start": "registered", "pauses": [],
            "extension_working_days": 0, "paused": False, "assumed_weekdays": False, "fired": [],
            "calendar_first": first, "calendar_last": first + timedelta(days=20)}


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_calendar_reload_pages_through_the_open_deadlines_by_their_index(kind: str, tmp_path: Path) -> None:
    async with migrated_engine(kind, "sla", tmp_path, MIGRATIONS) as engine:
        year = date(2026, 1, 1)
        async with engine.begin() as connection:
            await connection.execute(insert(store.Deadline.__table__), [
                # One open in fifty: a page by id alone would step over the closed ones between them.
                deadline(n, state="closed" if n % 50 else "open", first=year + timedelta(days=n % 300))
                for n in range(HISTORY)
            ])
        sessions = db.session_factory(engine)
        pages, after = [], ""
        with captured_selects(engine) as statements:
            async with sessions() as session:
                while page := await store.open_deadlines_over(
                    session,
                    first=year + timedelta(days=60),
                    last=year + timedelta(days=330),
                    after_id=after,
                    limit=PAGE,
                ):
                    pages.append([row.id for row in page])
                    after = page[-1].id

        # The open deadlines whose span (first + 20 days) reaches day 60, in id order, over three pages.
        over = [f"dl-{n:05d}" for n in range(0, HISTORY, 50) if n % 300 + 20 >= 60]
        assert [len(page) for page in pages] == [PAGE, PAGE, len(over) - 2 * PAGE]
        assert sum(pages, []) == over
        for analyzed in (False, True) if kind == "sqlite" else (True,):  # no service runs ANALYZE on SQLite
            if analyzed:
                await gather_statistics(engine)
            for plan in await plans(engine, statements):
                assert uses_index(plan, "ix_deadline_state_id"), plan
                assert not full_scans(plan, "deadline"), plan
                assert not sorts(plan), plan  # paged in the index's order
