"""A service's PostgreSQL database is created when missing; a throwaway one is dropped, connections and all."""

import uuid

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared import db
from tests.conftest import POSTGRES

pytestmark = pytest.mark.skipif(not POSTGRES, reason="PostgreSQL is not reachable at 127.0.0.1:5432")
SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"


async def exists(name: str) -> bool:
    engine = create_async_engine(f"{SERVER}/postgres")
    try:
        async with engine.connect() as connection:
            return bool(await connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
    finally:
        await engine.dispose()


async def test_a_database_is_created_once_and_dropped_even_with_a_connection_open() -> None:
    name = f"bancheng_test_throwaway_{uuid.uuid4().hex[:8]}"
    url = f"{SERVER}/{name}"
    await db.ensure_postgres_database(url)
    await db.ensure_postgres_database(url)  # already there: nothing to do, no error
    assert await exists(name)

    holder = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}")
    await db.drop_postgres_database(url)  # WITH (FORCE): the open connection does not stop it
    holder.terminate()

    assert not await exists(name)
    await db.drop_postgres_database(url)  # gone already: nothing to do, no error


async def test_sqlite_urls_are_left_alone(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    await db.ensure_postgres_database(url)
    await db.drop_postgres_database(url)
    assert not (tmp_path / "x.db").exists()
