"""Fixtures for the whole suite: the real dev broker, PostgreSQL when reachable, the running stack."""

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.devbroker import DevBroker


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
        return True
    except OSError:
        return False


POSTGRES = postgres_reachable()
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/bancheng_test_{service}_{uuid.uuid4().hex[:8]}"
