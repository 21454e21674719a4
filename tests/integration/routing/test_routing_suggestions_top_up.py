"""Similar-case suggestions draw on every replied case from a process's first view, a page at a time.

A new routing process tops its in-memory index up from the database: every case replied so far, in pages,
not one page a view; and cases replied in the same instant on either side of a page's end are all read.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from shared import db
from services.routing import store
from services.routing.store.suggestions import Suggestions
from tests.conftest import DATABASES
from tests.integration.routing.rows import routed_case
from tests.query_plans import migrated_engine

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"  # store/ is a package of the service
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# Every description shares "营业执照", so each case is similar to the question below.
REPLIED = [  # (case id, reply time): two pairs replied in the same instant, across the pages of two
    ("case-a", AT), ("case-b", AT + timedelta(seconds=1)), ("case-c", AT + timedelta(seconds=1)),
    ("case-d", AT + timedelta(seconds=2)), ("case-e", AT + timedelta(seconds=2)),
]


def replied_case(case_id: str, at: datetime) -> dict[str, object]:
    return routed_case(case_id, state="replied", at=at, description=f"营业执照变更办不成 {case_id}")


@pytest.mark.parametrize("kind", DATABASES)
async def test_first_view_draws_on_every_replied_case_across_pages_and_shared_instants(
    kind: str, tmp_path: Path
) -> None:
    async with migrated_engine(kind, "routing", tmp_path, MIGRATIONS) as engine:
        async with engine.begin() as connection:
            await connection.execute(insert(store.RoutedCase.__table__), [replied_case(*row) for row in REPLIED])
        sessions = db.session_factory(engine)
        suggestions = Suggestions(page=2)
        async with sessions() as session:
            first = await suggestions.for_text(session, district="demo", text="营业执照变更")
        assert {case["case_id"] for case in first["similar_cases"]} == {case_id for case_id, _ in REPLIED}

        async with engine.begin() as connection:  # replied later, in the instant the last read one was
            await connection.execute(
                insert(store.RoutedCase.__table__), [replied_case("case-f", AT + timedelta(seconds=2))]
            )
        async with sessions() as session:
            later = await suggestions.for_text(session, district="demo", text="营业执照变更 case-f")
        assert "case-f" in {case["case_id"] for case in later["similar_cases"]}
