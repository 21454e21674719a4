"""Applied event ids on SQLite and PostgreSQL: one statement records the new ids and says which they were."""

import asyncio
from datetime import timedelta

import pytest

from shared import inbox
from tests.conftest import DATABASES, fresh_sessions


@pytest.mark.parametrize("kind", DATABASES)
async def test_only_ids_not_recorded_before_come_back_once_each(kind: str, tmp_path) -> None:
    async with fresh_sessions(kind, "inbox", tmp_path) as sessions:
        async with sessions() as session, session.begin():
            assert await inbox.record_new(session, consumer="c", event_ids=["a", "b", "a"]) == {"a", "b"}
        async with sessions() as session, session.begin():
            assert await inbox.record_new(session, consumer="c", event_ids=["b", "c"]) == {"c"}
            assert await inbox.record_new(session, consumer="other", event_ids=["b"]) == {"b"}
        async with sessions() as session, session.begin():
            assert await inbox.record_new(session, consumer="c", event_ids=[]) == set()


@pytest.mark.parametrize("kind", [p for p in DATABASES if p != "sqlite"])
async def test_a_concurrent_applier_of_the_same_id_waits_and_finds_it_recorded(kind: str, tmp_path) -> None:
    async with fresh_sessions(kind, "inbox", tmp_path) as sessions, sessions() as first, first.begin():
        assert await inbox.record_new(first, consumer="c", event_ids=["a"]) == {"a"}
        async with sessions() as second, second.begin():
            waiting = asyncio.create_task(inbox.record_new(second, consumer="c", event_ids=["a", "b"]))
            await asyncio.sleep(0.2)
            assert not waiting.done()  # blocked on the first transaction's uncommitted row
            await first.commit()
            assert await waiting == {"b"}


@pytest.mark.parametrize("kind", DATABASES)
async def test_ids_are_forgotten_once_past_the_horizon_and_kept_before_it(kind: str, tmp_path) -> None:
    async with fresh_sessions(kind, "inbox", tmp_path) as sessions:
        async with sessions() as session, session.begin():
            await inbox.record_new(session, consumer="c", event_ids=["a"])
        async with sessions() as session, session.begin():
            await inbox.prune(session, older_than=timedelta(minutes=5))
            assert await inbox.record_new(session, consumer="c", event_ids=["a"]) == set()  # still known
        async with sessions() as session, session.begin():
            await inbox.prune(session, older_than=timedelta(seconds=-5))  # its time compares as stored
            assert await inbox.record_new(session, consumer="c", event_ids=["a"]) == {"a"}
