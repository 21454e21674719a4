"""Many rows into one table in one statement, and SQLite's driver called straight, in one hop.

Through aiosqlite each statement SQLAlchemy runs is three or four hops to the driver's thread and back
through the event loop (cursor, execute, fetch, close), with SQLAlchemy's execution context around it,
paid per consumed batch for the applied ids and per table written at commit. At the batch sizes live
traffic gives (a few events) that was a large share of a consumer's cost per batch (docs/performance.md).
Here the statement's values go through the same type processors SQLAlchemy would use (so what is stored
is the same), and the driver runs it, and whatever follows it, in one hop. PostgreSQL keeps SQLAlchemy's
own executemany: asyncpg has no thread to hop to.
"""

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

T = TypeVar("T")


def insert_many(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int | None:
    """Insert `rows` in one executemany. Every row holds the same columns: all of the table's, but for an
    integer primary key the database numbers, which may be left out. On SQLite the answer is the last
    row's id: one transaction writes at a time and each new rowid is one past the largest, so the rows'
    ids are the consecutive ones up to it."""
    if not rows:
        return None
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), list(rows))
        return None
    statement, columns = _insert_plan(table, connection.dialect, tuple(rows[0]))
    values = [tuple(process(row[name]) if process else row[name] for name, process in columns) for row in rows]

    def write(driver: sqlite3.Connection) -> int:
        driver.executemany(statement, values)
        last_id: int = driver.execute("SELECT last_insert_rowid()").fetchone()[0]
        return last_id

    return on_sqlite_driver(connection, write, statement=statement)


def on_sqlite_driver(connection: Connection, work: Callable[[sqlite3.Connection], T], *, statement: str) -> T:
    """Run `work` with the connection's own `sqlite3` connection, in its transaction: through aiosqlite in
    one hop to its thread (on its queue, as SQLAlchemy's adapter does), with the synchronous driver at once.
    A driver error is raised as SQLAlchemy would raise it (IntegrityError, OperationalError, ...), so
    callers retry or give up on it as on any statement's."""
    dbapi_connection: Any = connection.connection.dbapi_connection  # aiosqlite's adapter, or sqlite3's own
    dbapi = connection.dialect.loaded_dbapi
    try:
        if connection.dialect.is_async:
            done: T = dbapi_connection.run_async(lambda driver: driver._execute(work, driver._conn))
            return done
        return work(dbapi_connection)
    except dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, dbapi.Error, dialect=connection.dialect) from error


@lru_cache(maxsize=256)
def _insert_plan(
    table: Table, dialect: Dialect, names: tuple[str, ...],
) -> tuple[str, tuple[tuple[str, Callable[[Any], Any] | None], ...]]:
    """The INSERT's text as the dialect writes it, and each parameter's column with its type's processor.
    A column left out would get no default here (SQLAlchemy's would apply it), so only a numbered one may be."""
    numbered = table.autoincrement_column
    missing = {column.name for column in table.columns if column is not numbered} - set(names)
    if missing:
        raise ValueError(f"rows for {table.name} lack {', '.join(sorted(missing))}")
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    processors = {column.name: column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns}
    return compiled.string, tuple((name, processors[name]) for name in compiled.positiontup or ())
