"""Many rows in one statement: stored exactly as SQLAlchemy stores them, the ids they got, errors as SQLAlchemy's."""

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from shared import db, outbox
from shared.bulk_insert import insert_many
from tests.conftest import DATABASES, database_url

STAGED_AT = datetime(2026, 11, 22, 7, 17, 3, 250000, tzinfo=UTC)


def outbox_row(case: str) -> dict:
    return {"topic": "t", "key": case.encode(), "value": b'{"a":1}', "headers": [("ce_id", case), ("ce_hall", "FT")],
            "created_at": STAGED_AT}


@asynccontextmanager
async def outbox_engine(kind: str, tmp_path):
    url = database_url(kind, "bulk", tmp_path)
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(outbox.OutboxMessage.__table__.create)
        yield engine
    finally:
        await engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
async def test_rows_are_stored_as_sqlalchemys_own_insert_stores_them(kind: str, tmp_path) -> None:
    async with outbox_engine(kind, tmp_path) as engine:
        async with engine.begin() as connection:
            await connection.execute(insert(outbox.OUTBOX), [outbox_row("by-sqlalchemy")])
            await connection.run_sync(insert_many, outbox.OUTBOX, [outbox_row("a"), outbox_row("b")])
        async with engine.connect() as connection:
            stored = (await connection.execute(select(outbox.OUTBOX).order_by(outbox.OUTBOX.c.id))).all()
            raw = (await connection.execute(text("SELECT headers, created_at FROM outbox ORDER BY id"))).all()
        assert [row.key for row in stored] == [b"by-sqlalchemy", b"a", b"b"]
        assert [row.headers for row in stored[1:]] == [
            [["ce_id", "a"], ["ce_hall", "FT"]],
            [["ce_id", "b"], ["ce_hall", "FT"]],
        ]
        assert {row.created_at.replace(tzinfo=UTC) for row in stored} == {STAGED_AT}  # SQLite gives naive UTC back
        assert raw[1][1] == raw[0][1] and type(raw[1][0]) is type(raw[0][0])  # the same stored text or values


async def test_on_sqlite_the_last_id_is_answered_and_the_rows_ids_run_up_to_it(tmp_path) -> None:
    async with outbox_engine("sqlite", tmp_path) as engine:
        async with engine.begin() as connection:
            first = await connection.run_sync(insert_many, outbox.OUTBOX, [outbox_row("a")])
            last = await connection.run_sync(insert_many, outbox.OUTBOX, [outbox_row(c) for c in "bcd"])
        async with engine.connect() as connection:
            ids = dict((await connection.execute(select(outbox.OUTBOX.c.key, outbox.OUTBOX.c.id))).all())
        assert (
            first == ids[b"a"] and last == ids[b"d"] and [ids[c.encode()] for c in "bcd"] == [last - 2, last - 1, last]
        )


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_duplicate_key_fails_as_sqlalchemys_integrity_error_and_rolls_back(kind: str, tmp_path) -> None:
    async with outbox_engine(kind, tmp_path) as engine:
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.run_sync(insert_many, outbox.OUTBOX, [outbox_row("a")])
                await connection.run_sync(
                    insert_many, outbox.OUTBOX, [{**outbox_row("b"), "id": 1}, {**outbox_row("c"), "id": 1}]
                )
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0


async def test_rows_lacking_a_column_the_database_does_not_number_are_refused(tmp_path) -> None:
    async with outbox_engine("sqlite", tmp_path) as engine, engine.begin() as connection:
        with pytest.raises(ValueError, match="lack created_at"):
            await connection.run_sync(insert_many, outbox.OUTBOX, [{k: v for k, v in outbox_row("a").items()
                                                                   if k != "created_at"}])


def test_the_synchronous_sqlite_driver_writes_in_the_callers_transaction(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'sync.db'}")
    outbox.OutboxMessage.__table__.create(engine)
    try:
        with engine.begin() as connection:
            assert insert_many(connection, outbox.OUTBOX, [outbox_row("a"), outbox_row("b")]) == 2
        with pytest.raises(RuntimeError), engine.begin() as connection:
            insert_many(connection, outbox.OUTBOX, [outbox_row("gone")])
            raise RuntimeError("rolled back")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM outbox")).scalar() == 2
    finally:
        engine.dispose()
