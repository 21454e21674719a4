"""Database engines and sessions: SQLite (embedded default) or PostgreSQL, from one URL."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import orjson
from sqlalchemy import Table, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction, configure_mappers
from sqlalchemy.orm.instrumentation import ClassManager, manager_of_class
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bulk_insert import insert_many
from shared.rows import row_values

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
        # a round trip to the driver's thread per transaction, two per consumed batch (docs/performance.md).
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None, **_JSON)
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True, **_JSON)


def sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
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
    """A new table row of `model` holding `shared.rows.row_values`, tracked like any other: `session.add`
    inserts what it holds, and changes after this are tracked.

    Made as SQLModel makes a table row (no validation), but its values go straight into the instance's
    dict instead of through an instrumented `setattr` each: building a row was a large share of routing's
    CPU in the end-to-end profile (docs/performance.md)."""
    row = cast(M, _mapped_class(model).new_instance())  # with its ORM state; __init__ and its events skipped
    row.__dict__.update(row_values(model, **values))
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row


@cache
def _mapped_class(model: type[SQLModel]) -> "ClassManager[SQLModel]":
    configure_mappers()  # what a model's first __init__ does: its attributes get their implementations
    return manager_of_class(model)


def insert_at_commit(session: AsyncSession, row: SQLModel) -> None:
    """Insert a new `row` as plain values when the transaction commits, with the transaction's other
    such rows of its table in one executemany (`shared.bulk_insert`): the ORM's unit of work is the costly
    way to insert a row (docs/performance.md).

    The row stays out of the session: changes to it until the commit are written, but a query in the
    transaction does not find it, and a duplicate key fails the commit instead of a flush."""
    session.sync_session.info.setdefault(_INSERTS, []).append(row)


def rows_to_insert(session: AsyncSession, model: type[SQLModel]) -> list[Any]:
    """The rows of `model`'s table this transaction will insert at commit (`insert_at_commit`): what a
    later event of the same batch must see, and a query does not find."""
    return [row for row in session.sync_session.info.get(_INSERTS, ()) if table_of(row) is table_of(model)]


def plain_row(model: type[SQLModel], **values: Any) -> Any:
    """`shared.rows.row_values` read as attributes, for `insert_at_commit` (which reads the table's columns
    off it): a table instance costs many times more to build (docs/performance.md). It is not in the
    session: a query
    does not find it. Setting an attribute the table has no column for fails, as on a table instance."""
    row = object.__new__(_plain_class(model))
    object.__setattr__(row, "__dict__", row_values(model, **values))  # the dict itself: no copy, no per-name set
    return row


class _PlainRow:
    __table__: ClassVar[Table]
    _columns: ClassVar[frozenset[str]]

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._columns:
            raise AttributeError(f"{type(self).__name__} has no column {name}")
        object.__setattr__(self, name, value)


@cache
def _plain_class(model: type[SQLModel]) -> type[_PlainRow]:
    table = table_of(model)
    columns = frozenset(column.name for column in table.columns)
    return type(f"Plain{model.__name__}", (_PlainRow,), {"__table__": table, "_columns": columns})


def table_of(model: Any) -> Table:
    """The table of a table model, of one of its rows, or of a `plain_row` (SQLModel declares `__table__`
    only on the classes it maps, so a type checker cannot see it on `SQLModel`)."""
    table: Table = model.__table__
    return table


_INSERTS = "db.inserts_at_commit"


@event.listens_for(Session, "before_commit")
def _insert_rows(session: Session) -> None:
    rows: list[SQLModel] | None = session.info.pop(_INSERTS, None)
    if not rows:
        return
    by_table: dict[Any, list[SQLModel]] = {}
    for row in rows:
        by_table.setdefault(table_of(row), []).append(row)
    connection = session.connection()
    for table, table_rows in by_table.items():
        names = [column.name for column in table.columns]
        insert_many(connection, table, [{name: getattr(row, name) for name in names} for row in table_rows])


@event.listens_for(Session, "after_soft_rollback")
def _forget_rows(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: its rows are gone
        session.info.pop(_INSERTS, None)


def no_items() -> list[Any]:
    """A default factory for list columns. Not `list`: pydantic inspects a default factory's signature on
    every construction, and a builtin's is far dearer to inspect than a Python function's
    (docs/performance.md)."""
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
