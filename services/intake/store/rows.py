"""New rows as plain dicts (`shared.rows.row_values`), inserted with SQLAlchemy Core in one statement per
table: the registration hot path's way past the session's unit of work."""

from functools import cache
from typing import Any

from sqlalchemy import Column, Connection, Insert, Table, insert

from shared.bulk_insert import insert_many


@cache
def _insert(table: Table, returning: Column | None) -> Insert:
    # One statement object per table: its cache key is computed once, not on every batch.
    statement = insert(table)
    return statement if returning is None else statement.returning(returning, sort_by_parameter_order=True)


def insert_values(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (every row with the same columns) in one statement, without the session's
    unit of work. Rows holding the generated id column (as None) get the ids the database chose: on
    SQLite the consecutive ones up to the last (`shared.bulk_insert`, the driver's own executemany), on
    PostgreSQL by RETURNING."""
    if not rows:
        return
    generated = table.autoincrement_column
    numbered = generated is not None and generated.key in rows[0]
    if connection.dialect.name == "sqlite":
        last_id = insert_many(connection, table, rows)
        if numbered:
            for row_id, row in enumerate(rows, start=last_id - len(rows) + 1):
                row[generated.key] = row_id
        return
    if not numbered:
        connection.execute(_insert(table, None), rows)
        return
    key = generated.key
    values = [{name: value for name, value in row.items() if name != key} for row in rows]
    ids = connection.execute(_insert(table, generated), values)
    for row, generated_id in zip(rows, ids.scalars(), strict=True):
        row[key] = generated_id
