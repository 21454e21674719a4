"""Rows inserted at commit: one statement per table when the transaction commits, nothing on rollback."""

import pytest
from sqlmodel import select

from shared import db, inbox
from tests.conftest import DATABASES, database_url


@pytest.mark.parametrize("kind", DATABASES)
async def test_rows_go_in_at_commit_with_changes_made_before_it_and_not_on_rollback(kind: str, tmp_path) -> None:
    url = database_url(kind, "inserts", tmp_path)
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: inbox.ProcessedEvent.__table__.create(sync))
    sessions = db.session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            changed = db.new_row(inbox.ProcessedEvent, consumer="c", event_id="draft")
            db.insert_at_commit(session, changed)
            db.insert_at_commit(session, db.new_row(inbox.ProcessedEvent, consumer="c", event_id="b"))
            changed.event_id = "a"  # after staging, before the commit: written
        with pytest.raises(RuntimeError):
            async with sessions() as session, session.begin():
                db.insert_at_commit(session, db.new_row(inbox.ProcessedEvent, consumer="c", event_id="gone"))
                raise RuntimeError("rolled back")
        async with sessions() as session, session.begin():  # nothing left over from the rollback
            pass
        async with sessions() as session:
            stored = (await session.exec(select(inbox.ProcessedEvent.event_id))).all()
            assert sorted(stored) == ["a", "b"]
    finally:
        await engine.dispose()
