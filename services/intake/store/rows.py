"""New rows as plain dicts, inserted with SQLAlchemy Core in one statement per table: the registration
hot path's way past the session's unit of work."""

from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Column, Connection, Insert, Table, insert
from sqlmodel import SQLModel

from shared.bulk_insert import insert_many


def plain_row(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """A new row of `model`'s table as a plain dict: every column, in the model's order, defaults
    filled in. The registration hot path writes these with Core; a table instance costs ~40–130 µs
    (an instrumented attribute set per column), a dict a few µs."""
    row = {}
    for name, default, factory in _defaults(model):
        if name in values:
            row[name] = values.pop(name)
        elif factory is not None:
            row[name] = factory()
        elif default is PydanticUndefined:
            raise TypeError(f"{model.__name__} row without {name}")
        else:
            row[name] = default
    if values:
        raise TypeError(f"{model.__name__} has no column {', '.join(values)}")
    return row


@cache
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Callable[[], Any] | None], ...]:
    return tuple((name, field.default, field.default_factory) for name, field in model.model_fields.items())


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
