"""CPU per new row of each way the hot paths build rows, on tables shaped as the services' busiest (intake's
case transitions, routing's work orders). Prints figures, asserts nothing.

The ways: `shared.rows.row_values` (a dict, the one builder), `shared.db.plain_row` (its values as slotted
attributes, for `insert_at_commit`), `shared.db.new_row` (a tracked table instance), and the table model's own
constructor for scale. Run against another checkout with `PYTHONPATH=<checkout>` to compare.

    .venv/bin/python bench/row_builders.py [--rows 20000]
"""

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if not os.environ.get("PYTHONPATH"):  # this checkout, not the one the shared venv's editable install names
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datetime import UTC, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared import db
from shared.ids import new_id

try:
    from shared.rows import row_values
except ImportError:  # a checkout from before shared/rows.py
    row_values = None



def _now() -> datetime:
    return datetime.now(UTC)


class Transition(SQLModel, table=True):
    __tablename__ = "bench_transition"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str
    action: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str = ""


class WorkOrder(SQLModel, table=True):
    __tablename__ = "bench_work_order"

    id: str = Field(default_factory=new_id, primary_key=True)
    case_id: str
    case_number: str
    district: str
    hall: str | None = None
    department: str
    role: str
    matter_code: str | None = None
    tier: str
    state: str
    reason: str
    created_at: datetime = Field(default_factory=_now)
    due_at: datetime | None = None
    signed_at: datetime | None = None
    reply: str | None = None
    replied_by: str | None = None
    replied_at: datetime | None = None
    return_reason: str | None = None
    return_note: str = ""
    returned_at: datetime | None = None
    cancelled_at: datetime | None = None
    coordinator: str | None = None
    extensions: list[str] = Field(default_factory=db.no_items, sa_column=Column(JSON, nullable=False))


SAMPLES: list[tuple[type[SQLModel], dict[str, Any]]] = [
    (Transition, {"case_id": "c1", "action": "register", "from_state": "", "to_state": "registered",
                  "actor": "staff:1", "at": _now()}),
    (WorkOrder, {"case_id": "c", "case_number": "FT-1", "district": "demo", "department": "housing",
                 "role": "lead", "tier": "simple", "state": "dispatched", "reason": "r"}),
]


def per_row_us(build: Callable[..., Any], model: type[SQLModel], values: dict[str, Any], rows: int) -> float:
    for _ in range(200):  # caches warm
        build(model, **values)
    began = time.process_time()
    for _ in range(rows):
        build(model, **values)
    return (time.process_time() - began) / rows * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    ways: dict[str, Callable[..., Any]] = {"plain_row": db.plain_row, "new_row": db.new_row,
                                           "constructor": lambda model, **values: model(**values)}
    if row_values is not None:
        ways = {"row_values": row_values, **ways}
    print(f"shared.db from {db.__file__}")
    for model, values in SAMPLES:
        figures = "  ".join(f"{name} {per_row_us(build, model, values, args.rows):6.2f}"
                            for name, build in ways.items())
        print(f"{model.__name__:16} µs of CPU per row:  {figures}")


if __name__ == "__main__":
    main()
