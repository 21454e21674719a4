"""A calendar reload pages through the open deadlines alone, through their index, however many have closed.

The reload reads the open deadlines whose calendar span may cover the changed days, a page at a time by
id. Closed deadlines keep their span, so without an index on (state, id) the page walks every deadline
ever tracked. The statements are captured and explained on a migrated database holding a history of
closed rows: on SQLite without statistics (nothing runs ANALYZE on a service's file) and again with them.
"""

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert, text

from shared import db, migrations
from services.sla import store
from tests.conftest import DATABASES, database_url

MIGRATIONS = Path(store.__file__).parent / "migrations"
HISTORY = 5000
PAGE = 30


def deadline(number: int, *, state: str, first: date) -> dict[str, object]:
    return {"id": f"dl-{number:05d}", "case_id": f"case-{number}", "subject": "case", "subject_id": f"case-{number}",
            "district": "demo", "tier": "general", "state": state, "clock_start": "registered", "pauses": [],
            "extension_working_days": 0, "paused": False, "assumed_weekdays": False, "fired": [],
            "calendar_first": first, "calendar_last": first + timedelta(days=20)}


async def plans(engine, statements: list[tuple[str, object]], kind: str) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        return [" / ".join(str(row[-1]) for row in await connection.exec_driver_sql(explain + sql, params))
                for sql, params in statements]


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_calendar_reload_pages_through_the_open_deadlines_by_their_index(kind: str, tmp_path: Path) -> None:
    url = database_url(kind, "sla", tmp_path)
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
    engine = db.create_engine(url)
    try:
        year = date(2026, 1, 1)
        async with engine.begin() as connection:
            await connection.execute(insert(store.Deadline.__table__), [
                # One open in fifty: a page by id alone would step over the closed ones between them.
                deadline(n, state="closed" if n % 50 else "open", first=year + timedelta(days=n % 300))
                for n in range(HISTORY)
            ])
        sessions = db.session_factory(engine)
        statements: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        pages, after = [], ""
        async with sessions() as session:
            while page := await store.open_deadlines_over(session, first=year + timedelta(days=60),
                                                          last=year + timedelta(days=330), after_id=after, limit=PAGE):
                pages.append([row.id for row in page])
                after = page[-1].id
        event.remove(engine.sync_engine, "before_cursor_execute", capture)

        # The open deadlines whose span (first + 20 days) reaches day 60, in id order, over three pages.
        over = [f"dl-{n:05d}" for n in range(0, HISTORY, 50) if n % 300 + 20 >= 60]
        assert [len(page) for page in pages] == [PAGE, PAGE, len(over) - 2 * PAGE]
        assert sum(pages, []) == over
        # SQLite has statistics only once told to gather them; PostgreSQL's autovacuum gathers them.
        for analyzed in (False, True) if kind == "sqlite" else (True,):
            if analyzed:
                async with engine.begin() as connection:
                    await connection.execute(text("ANALYZE"))
            for plan in await plans(engine, statements, kind):
                assert re.search(r"\bix_deadline_state_id\b", plan), plan
                assert not re.search(r"\bSCAN deadline\b|\bSeq Scan on deadline\b", plan), plan
                assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # paged in the index's order
    finally:
        await engine.dispose()
