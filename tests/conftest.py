"""Fixtures for the whole suite: the real dev broker, PostgreSQL when reachable, the running stack."""

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from shared import db
from shared.dev.broker import DevBroker
from tests.issuer import TokenIssuer, _session

# The in-memory span fixture (`spans`) of the tracing tests, unit and over the broker alike.
pytest_plugins = ["tests.spans"]


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
        return True
    except OSError:
        return False


POSTGRES = postgres_reachable()
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


CREATED_DATABASES: set[str] = set()


@pytest.fixture(scope="session", autouse=True)
def drop_test_databases() -> Iterator[None]:
    """The PostgreSQL databases this session's tests named are dropped when it ends."""
    yield
    if POSTGRES and CREATED_DATABASES:
        asyncio.run(_drop_databases(sorted(CREATED_DATABASES)))


async def _drop_databases(names: list[str]) -> None:
    for name in names:
        await db.drop_postgres_database(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevBroker]:
    """One real Kafka-protocol broker (Tansu) for the session, on a free port."""
    dev = DevBroker(log_path=tmp_path_factory.mktemp("broker") / "broker.log").start()
    yield dev
    dev.stop()


def database_url(kind: str, service: str, tmp_path: Path) -> str:
    """A fresh database for one service: a SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / service}.db"
    if not POSTGRES:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 on this machine")
    name = f"bancheng_test_{service}_{uuid.uuid4().hex[:8]}"
    CREATED_DATABASES.add(name)
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


@asynccontextmanager
async def fresh_sessions(kind: str, service: str, tmp_path: Path) -> AsyncIterator[db.SessionFactory]:
    """Sessions on a fresh database (`database_url`) holding every table of the imported models."""
    url = database_url(kind, service, tmp_path)
    await db.ensure_postgres_database(url)
    engine = db.create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    try:
        yield db.session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def issuer() -> Iterator[TokenIssuer]:
    """The suite's token issuer (discovery + JWKS over HTTP); every service this session starts trusts it,
    in process or as a child (`Stack` passes the environment on)."""
    test_issuer = TokenIssuer().start()
    _session.append(test_issuer)
    previous = os.environ.get("BANCHENG_AUTH_ISSUER")
    os.environ["BANCHENG_AUTH_ISSUER"] = test_issuer.url
    yield test_issuer
    if previous is None:
        os.environ.pop("BANCHENG_AUTH_ISSUER", None)
    else:
        os.environ["BANCHENG_AUTH_ISSUER"] = previous
    _session.remove(test_issuer)
    test_issuer.stop()
