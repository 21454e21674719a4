"""What the planner knows of a consumed batch's cases, read in three queries and written back in bulk.

The planner works on this book in memory and saves it at the end, in the batch's transaction: the reads
come first and the writes last, so on SQLite the write lock is held for the writes alone (not for the
planning of hundreds of events), and on PostgreSQL a batch costs a handful of round trips, not a few
per event. Rows are read and written with SQLAlchemy Core: no unit of work on this hot path.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from shared.rows import row_values
from services.notify.store import tables


class Row(SimpleNamespace):
    """One row of a table as plain attributes, its columns by name: building and changing an ORM
    instance per row (SQLModel's constructor, SQLAlchemy's attribute events) was a large share of notify's
    CPU (docs/performance.md)."""

    @classmethod
    def new(cls, model: type[SQLModel], /, **values: Any) -> "Row":
        """A row of `model`'s table not written yet (`shared.rows.row_values`: `values`, then its defaults)."""
        return cls(**row_values(model, **values))


@dataclass
class CaseBook:
    facts: dict[str, Row]  # tables.CaseFacts rows by case
    contacts: dict[str, Row]  # tables.CitizenContact rows by case
    triggers: dict[str, list[Row]]  # tables.TriggerRecord rows by case, oldest first
    _new: set[int] = field(default_factory=set)  # id() of rows to insert
    _changed: set[int] = field(default_factory=set)  # id() of rows read, then changed: to update
    _trigger_ids: set[str] = field(default_factory=set)

    @classmethod
    async def load(cls, connection: AsyncConnection, case_ids: Iterable[str]) -> "CaseBook":
        ids = sorted(set(case_ids))
        facts = await _rows(connection, tables.CaseFacts.__table__, ids)
        contacts = await _rows(connection, tables.CitizenContact.__table__, ids)
        triggers = await _rows(connection, tables.TriggerRecord.__table__, ids)
        book = cls(facts={f.case_id: f for f in facts}, contacts={c.case_id: c for c in contacts}, triggers={})
        for record in sorted(triggers, key=lambda r: r.occurred_at):
            book.triggers.setdefault(record.case_id, []).append(record)
            book._trigger_ids.add(record.event_id)
        return book

    def changed(self, row: Row) -> None:
        """`row` (facts, a contact or a trigger) is to be written back."""
        if id(row) not in self._new:
            self._changed.add(id(row))

    def facts_of(self, case_id: str, district: str) -> Row:
        """The case's facts, new ones when the case is not known yet."""
        if case_id not in self.facts:
            self.facts[case_id] = self._added(Row.new(tables.CaseFacts, case_id=case_id, district=district))
        return self.facts[case_id]

    def contact_of(self, case_id: str) -> Row:
        if case_id not in self.contacts:
            self.contacts[case_id] = self._added(Row.new(tables.CitizenContact, case_id=case_id))
        return self.contacts[case_id]

    def has_trigger(self, event_id: str) -> bool:
        return event_id in self._trigger_ids

    def add_trigger(self, record: Row) -> None:
        self._added(record)
        cases = self.triggers.setdefault(record.case_id, [])
        cases.append(record)
        cases.sort(key=lambda r: r.occurred_at)  # stable: events of equal time keep their arrival order
        self._trigger_ids.add(record.event_id)

    def triggers_of(self, case_id: str, *, planned: bool) -> list[Row]:
        return [record for record in self.triggers.get(case_id, []) if record.planned == planned]

    async def save(self, connection: AsyncConnection) -> None:
        """Insert the new rows and update the changed ones, a statement per table and kind."""
        triggers = [record for records in self.triggers.values() for record in records]
        for model, rows in ((tables.CaseFacts, self.facts.values()), (tables.CitizenContact, self.contacts.values()),
                            (tables.TriggerRecord, triggers)):
            await _write(connection, model.__table__,
                         new=[row for row in rows if id(row) in self._new],
                         changed=[row for row in rows if id(row) in self._changed])

    def _added(self, row: Row) -> Row:
        self._new.add(id(row))
        return row


async def _rows(connection: AsyncConnection, table: Table, case_ids: list[str]) -> list[Row]:
    query = select(table).where(table.c.case_id.in_(case_ids))
    return [Row(**row._mapping) for row in await connection.execute(query)]


async def _write(connection: AsyncConnection, table: Table, *, new: list[Row], changed: list[Row]) -> None:
    if new:
        await connection.execute(insert(table), [vars(row) for row in new])
    if changed:
        (key,) = table.primary_key.columns
        changes = [{f"_{name}": value for name, value in vars(row).items()} for row in changed]
        await connection.execute(
            update(table).where(key == bindparam(f"_{key.name}"))
            .values({column.name: bindparam(f"_{column.name}") for column in table.columns if column.name != key.name}),
            changes,
        )
