"""What the planner knows of a consumed batch's cases, read in three queries and written back in bulk.

The planner works on this book in memory and saves it at the end, in the batch's transaction: the reads
come first and the writes last, so on SQLite the write lock is held for the writes alone (not for the
planning of hundreds of events), and on PostgreSQL a batch costs a handful of round trips, not a few
per event. Rows are read and written with SQLAlchemy Core: no unit of work on this hot path.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from services.notify import store


@dataclass
class CaseBook:
    facts: dict[str, store.CaseFacts]
    contacts: dict[str, store.CitizenContact]
    triggers: dict[str, list[store.TriggerRecord]]  # by case, oldest first
    _new: dict[int, SQLModel] = field(default_factory=dict)  # by id(): rows to insert
    _changed: dict[int, SQLModel] = field(default_factory=dict)  # rows read, then changed: to update
    _trigger_ids: set[str] = field(default_factory=set)

    @classmethod
    async def load(cls, connection: AsyncConnection, case_ids: Iterable[str]) -> "CaseBook":
        ids = sorted(set(case_ids))
        facts = await _rows(connection, store.CaseFacts, store.CaseFacts.__table__.c.case_id.in_(ids))
        contacts = await _rows(connection, store.CitizenContact, store.CitizenContact.__table__.c.case_id.in_(ids))
        triggers = await _rows(connection, store.TriggerRecord, store.TriggerRecord.__table__.c.case_id.in_(ids))
        book = cls(facts={f.case_id: f for f in facts}, contacts={c.case_id: c for c in contacts}, triggers={})
        for record in sorted(triggers, key=lambda r: r.occurred_at):
            book.triggers.setdefault(record.case_id, []).append(record)
            book._trigger_ids.add(record.event_id)
        return book

    def changed(self, row: SQLModel) -> None:
        """`row` (facts, a contact or a trigger) is to be written back."""
        if id(row) not in self._new:
            self._changed[id(row)] = row

    def facts_of(self, case_id: str, district: str) -> store.CaseFacts:
        """The case's facts, new ones when the case is not known yet."""
        if case_id not in self.facts:
            self.facts[case_id] = self._added(store.CaseFacts(case_id=case_id, district=district))
        return self.facts[case_id]

    def contact_of(self, case_id: str) -> store.CitizenContact:
        if case_id not in self.contacts:
            self.contacts[case_id] = self._added(store.CitizenContact(case_id=case_id))
        return self.contacts[case_id]

    def has_trigger(self, event_id: str) -> bool:
        return event_id in self._trigger_ids

    def add_trigger(self, record: store.TriggerRecord) -> None:
        self._added(record)
        cases = self.triggers.setdefault(record.case_id, [])
        cases.append(record)
        cases.sort(key=lambda r: r.occurred_at)  # stable: events of equal time keep their arrival order
        self._trigger_ids.add(record.event_id)

    def triggers_of(self, case_id: str, *, planned: bool) -> list[store.TriggerRecord]:
        return [record for record in self.triggers.get(case_id, []) if record.planned == planned]

    async def save(self, connection: AsyncConnection) -> None:
        """Insert the new rows and update the changed ones, a statement per table and kind."""
        for model in (store.CaseFacts, store.CitizenContact, store.TriggerRecord):
            await _write(connection, model.__table__,
                         new=[row for row in self._new.values() if type(row) is model],
                         changed=[row for row in self._changed.values() if type(row) is model])

    def _added(self, row: SQLModel) -> Any:
        self._new[id(row)] = row
        return row


async def _rows(connection: AsyncConnection, model: type[SQLModel], condition: Any) -> list[Any]:
    table = model.__table__
    return [model(**row._mapping) for row in await connection.execute(select(table).where(condition))]


async def _write(connection: AsyncConnection, table: Table, *, new: list[SQLModel], changed: list[SQLModel]) -> None:
    columns = [column.name for column in table.columns]
    if new:
        await connection.execute(insert(table), [{name: getattr(row, name) for name in columns} for row in new])
    if changed:
        (key,) = table.primary_key.columns
        changes = [{f"_{name}": getattr(row, name) for name in columns} for row in changed]
        await connection.execute(
            update(table).where(key == bindparam(f"_{key.name}"))
            .values({name: bindparam(f"_{name}") for name in columns if name != key.name}),
            changes,
        )
