"""New rows of a SQLModel table, built the one way every hot path builds them: as the values the row holds.

A table instance costs tens of µs to construct (pydantic, then an instrumented attribute per column); the
same values as a dict cost a few µs. `row_values` is that dict: every field of the model in the model's
order, the given values, the defaults filled in (a default factory called per row, a mutable default
copied per row), a name the model has not or a required field left out refused. Written with Core (an
executemany, `shared.bulk_insert`) it is stored as the instance would be. `shared.db.new_row` (a tracked
instance for the session) and `shared.db.plain_row` (attributes for `insert_at_commit`) are made from it.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel


@dataclass(frozen=True, slots=True)
class RowShape:
    """What building a row of one model needs, worked out once per model."""

    template: dict[str, Any]  # every field, in the model's order: its constant default, or None until filled
    factories: tuple[tuple[str, Callable[[], Any]], ...]  # fields whose default is made per row
    names: frozenset[str]
    required: frozenset[str]  # fields without a default


def row_values(model: type[SQLModel], /, **values: Any) -> dict[str, Any]:
    """A new row of `model` as a dict: `values`, then every other field's default; TypeError naming a field
    the model has not, or a required one missing."""
    shape = row_shape(model)
    if not values.keys() <= shape.names:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(values.keys() - shape.names))}")
    if not shape.required <= values.keys():
        raise TypeError(f"{model.__name__} row without {', '.join(sorted(shape.required - values.keys()))}")
    row = shape.template | values  # the template's key order for every row: one statement plan per table
    for name, make in shape.factories:
        if name not in values:
            row[name] = make()
    return row


@cache
def row_shape(model: type[SQLModel]) -> RowShape:
    template: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    required: set[str] = set()
    for name, field in model.model_fields.items():
        template[name] = None
        if field.default_factory is not None:
            if field.default_factory_takes_validated_data:
                raise TypeError(f"{model.__name__}.{name}: a default factory taking the row's data is not supported")
            factories.append((name, field.default_factory))  # type: ignore[arg-type]  # takes no data: checked above
        elif field.default is PydanticUndefined:
            required.add(name)
        elif isinstance(field.default, list | dict | set):
            factories.append((name, partial(copy.deepcopy, field.default)))  # never one list shared by rows
        else:
            template[name] = field.default
    return RowShape(template=template, factories=tuple(factories), names=frozenset(template),
                    required=frozenset(required))
