"""Database engines and sessions: SQLite (embedded default) or PostgreSQL, from one URL."""

import copy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import orjson
from pydantic_core import PydanticUndefined
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction, configure_mappers
from sqlalchemy.orm.instrumentation import ClassManager, manager_of_class
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bulk_insert import insert_many

SessionFactory = async_sessionmaker[AsyncSession]
M = TypeVar("M", bound=SQLModel)
# JSON columns (outbox headers, stored answers, audit payloads) through orjson: several times
# cheaper than the standard library on every hot path, same JSON.
_JSON = {"json_serializer": lambda value: orjson.dumps(value).decode(), "json_deserializer": orjson.loads}


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL and a busy timeout (one writing process per file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No rollback when a connection goes back to the pool: SQLAlchemy's sessions and connections end
        # their transaction themselves (commit, or rollback on close), and on SQLite the extra rollback was
        # a round trip to the driver's thread per transaction (~140 µs of CPU, 2 per consumed batch).
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None, **_JSON)
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, **_JSON)


def sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, and every commit synced to disk before it returns (FULL). A consumed batch is acknowledged to
    the bus, and a registration answered, once its transaction commits: WAL's NORMAL survives a crash of
    the process but may lose the last commits to a power cut, after their offsets were committed. Commits
    here are per batch, so the fsync is paid once per batch; PostgreSQL commits durably by default."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def new_row(model: type[M], **values: Any) -> M:
    """A new table row of `model`: its defaults, then `values` (any other name is refused).

    Made as SQLModel makes a table row (no validation), but its values go straight into the instance's
    dict instead of through an instrumented `setattr` each, and the default factories are called here:
    building a row was a quarter of routing's CPU in the end-to-end profile. The row is like any other:
    `session.add` inserts what it holds, and changes after this are tracked."""
    fields, names = _row_fields(model)
    unknown = values.keys() - names
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    row = _mapped_class(model).new_instance()  # with its ORM state; __init__ and its events skipped
    data = row.__dict__
    for name, default, make in fields:
        if name in values:
            data[name] = values[name]
        elif make is not None:
            data[name] = make()
        elif default is not PydanticUndefined:
            data[name] = copy.deepcopy(default) if isinstance(default, (list, dict, set)) else default
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row


@cache
def _row_fields(model: type[SQLModel]) -> tuple[tuple[tuple[str, Any, Callable[[], Any] | None], ...], frozenset[str]]:
    """Each field's name, default and default factory, and the names."""
    fields = tuple((name, field.default, field.default_factory) for name, field in model.model_fields.items())
    return fields, frozenset(name for name, _default, _make in fields)


@cache
def _mapped_class(model: type[SQLModel]) -> ClassManager:
    configure_mappers()  # what a model's first __init__ does: its attributes get their implementations
    return manager_of_class(model)


def insert_at_commit(session: AsyncSession, row: SQLModel) -> None:
    """Insert a new `row` as plain values when the transaction commits, with the transaction's other
    such rows of its table in one executemany (`shared.bulk_insert`): through the ORM's unit of work a
    row costs ~60 µs of CPU.

    The row stays out of the session: changes to it until the commit are written, but a query in the
    transaction does not find it, and a duplicate key fails the commit instead of a flush."""
    session.sync_session.info.setdefault(_INSERTS, []).append(row)


def rows_to_insert(session: AsyncSession, model: type[SQLModel]) -> list[Any]:
    """The rows of `model`'s table this transaction will insert at commit (`insert_at_commit`): what a
    later event of the same batch must see, and a query does not find."""
    return [row for row in session.sync_session.info.get(_INSERTS, ()) if row.__table__ is model.__table__]


def plain_row(model: type[SQLModel], **values: Any) -> Any:
    """A new row of `model`'s table as plain attributes, defaults filled in, for `insert_at_commit` (which
    reads the table's columns off it): a table instance costs ~30–150 µs to build (pydantic and the ORM's
    instrumentation, per column), this a few µs. It is not in the session: a query does not find it."""
    row_class, defaults = _plain(model)
    for name, default, factory in defaults:
        if name not in values:
            if factory is not None:
                values[name] = factory()
            elif default is PydanticUndefined:
                raise TypeError(f"{model.__name__} row without {name}")
            else:
                values[name] = default
    row = row_class()
    for name, value in values.items():
        setattr(row, name, value)  # AttributeError for a name that is not a column (the class has slots)
    return row


@cache
def _plain(model: type[SQLModel]) -> tuple[type, tuple[tuple[str, Any, Callable[[], Any] | None], ...]]:
    columns = tuple(column.name for column in model.__table__.columns)
    row_class = type(f"Plain{model.__name__}", (), {"__slots__": columns, "__table__": model.__table__})
    return row_class, tuple((name, f.default, f.default_factory) for name, f in model.model_fields.items())


_INSERTS = "db.inserts_at_commit"


@event.listens_for(Session, "before_commit")
def _insert_rows(session: Session) -> None:
    rows: list[SQLModel] | None = session.info.pop(_INSERTS, None)
    if not rows:
        return
    by_table: dict[Any, list[SQLModel]] = {}
    for row in rows:
        by_table.setdefault(row.__table__, []).append(row)
    connection = session.connection()
    for table, table_rows in by_table.items():
        names = [column.name for column in table.columns]
        insert_many(connection, table, [{name: getattr(row, name) for name in names} for row in table_rows])


@event.listens_for(Session, "after_soft_rollback")
def _forget_rows(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: its rows are gone
        session.info.pop(_INSERTS, None)


def no_items() -> list:
    """A default factory for list columns. Not `list`: pydantic inspects a default factory's signature on
    every construction, and a builtin's costs ~150 µs against ~12 µs for a Python function."""
    return []


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def ensure_postgres_database(url: str) -> None:
    """Create the service's PostgreSQL database if it does not exist (one database per service)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    async with _server(parsed) as connection:
        exists = await connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))


async def drop_postgres_database(url: str) -> None:
    """Drop a throwaway PostgreSQL database (a benchmark's, a test's), its open connections closed first."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    async with _server(parsed) as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))


@asynccontextmanager
async def _server(parsed: URL) -> AsyncIterator[AsyncConnection]:
    """A connection to the server's `postgres` database, outside any transaction (CREATE/DROP DATABASE)."""
    admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            yield connection
    finally:
        await admin.dispose()
