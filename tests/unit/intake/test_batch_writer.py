"""The SQLite batch writer runs a batch's statements in its own thread with the synchronous driver,
durably, and commits or rolls back the whole batch."""

import threading
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import Connection, text

from shared import db
from services.intake.store.batch_writer import ThreadWriter, durable_writer


@pytest.fixture
async def shared_engine_and_writer(tmp_path) -> AsyncIterator[tuple[object, ThreadWriter]]:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE row (name TEXT PRIMARY KEY)"))
    writer = durable_writer(engine)
    assert isinstance(writer, ThreadWriter)
    yield engine, writer
    await writer.close()
    await engine.dispose()


def insert_names(connection: Connection, names: Sequence[str]) -> list[str]:
    for name in names:
        connection.execute(text("INSERT INTO row (name) VALUES (:name)"), {"name": name})
    return [threading.current_thread().name] * len(names)


async def committed_names(engine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("SELECT name FROM row ORDER BY name"))).scalars())


async def test_a_batch_is_written_in_the_writer_thread_and_committed_when_transact_returns(
    shared_engine_and_writer,
) -> None:
    engine, writer = shared_engine_and_writer

    threads = await writer.transact(insert_names, ["a", "b"])

    assert threads == ["intake-writer_0", "intake-writer_0"]
    assert await committed_names(engine) == ["a", "b"]  # seen through the shared engine's own connection


async def test_a_batch_that_raises_is_rolled_back_whole(shared_engine_and_writer) -> None:
    engine, writer = shared_engine_and_writer
    await writer.transact(insert_names, ["a"])

    with pytest.raises(Exception, match="UNIQUE"):
        await writer.transact(insert_names, ["b", "a"])  # "b" goes in, then "a" breaks the batch

    assert await committed_names(engine) == ["a"]


async def test_the_writer_commits_with_synchronous_full_to_survive_a_power_cut(shared_engine_and_writer) -> None:
    _, writer = shared_engine_and_writer

    def pragmas(connection: Connection, _: Sequence[str]) -> list[object]:
        return [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("synchronous", "journal_mode")]

    synchronous, journal_mode = await writer.transact(pragmas, [])

    assert (synchronous, journal_mode) == (2, "wal")  # 2 is FULL
