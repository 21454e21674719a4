"""Query plans in tests: a migrated database, the statements code really runs, and how the database reads them.

A test fills a table with a history of finished rows, captures the SELECTs a store function or the
dispatcher runs, and asserts on their plans (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL):
that a query costs what its page costs, not what the history costs.
"""

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import db, migrations
from tests.conftest import database_url

Statement = tuple[str, object]  # SQL as sent to the driver, and its parameters


@asynccontextmanager
async def migrated_engine(kind: str, service: str, tmp_path: Path, migrations_dir: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database (`database_url`) brought to the service's latest migration."""
    url = database_url(kind, service, tmp_path)
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, migrations_dir)
    engine = db.create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


@contextmanager
def captured_selects(engine: AsyncEngine) -> Iterator[list[Statement]]:
    """The SELECT statements run on `engine` inside the block."""
    statements: list[Statement] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)


async def plans(engine: AsyncEngine, statements: list[Statement]) -> list[str]:
    """Each statement's plan, its lines joined by " / ", explained with the parameters it ran with."""
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        return [" / ".join(str(row[-1]) for row in await connection.exec_driver_sql(explain + sql, params))
                for sql, params in statements]


async def gather_statistics(engine: AsyncEngine) -> None:
    """ANALYZE: SQLite has statistics only once told to gather them (no service does); PostgreSQL's
    autovacuum gathers them by itself, so tests explain after ANALYZE there."""
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


def uses_index(plan: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", plan) is not None  # whole names: ix_delivery_due is not ix_delivery_due_at


def full_scans(plan: str, table: str) -> list[str]:
    """SQLite's SCAN walks a whole table or index; PostgreSQL's Seq Scan reads every row."""
    return re.findall(rf"\bSCAN {table}\b|\bSeq Scan on {table}\b", plan)


def sorts(plan: str) -> bool:
    """Whether rows are sorted after reading, rather than read in an index's order."""
    return "TEMP B-TREE" in plan or re.search(r"\bSort\b", plan) is not None
