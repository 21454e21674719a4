"""Registrations from the window and Open311, written a batch at a time by the group commit.

`RegistrationCommit` is the write path the routes submit to (the runtime starts and stops it);
`write_registrations` is synchronous: the batch writer (`batch_writer.py`) runs it whole, in one
hand-off to the database's side. Each member was validated on its own request; here the batch takes
its case numbers (one counter update per hall and day), inserts every table's rows in one statement
(SQLAlchemy Core: the rows are new, so the session's unit of work and autoflush would only add cost)
and answers each member with the case as just written — the same body `GET /cases/{id}` reads back,
without reading it.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from http import HTTPStatus

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import outbox
from shared.bulk_insert import insert_many
from shared.clock import local_date
from shared.outbox_relay import OutboxRelay
from shared.personal_data import Keyring
from services.intake import store
from services.intake.commands import Origin
from services.intake.domain.errors import InvalidInput
from services.intake.domain.registration import ValidRegistration, case_number
from services.intake.store.batch_writer import durable_writer
from services.intake.store.group_commit import GroupCommit
from services.intake.store.idempotency import Answer, Claim
from services.intake.store.registration import CaseWrite, case_write
from services.intake.store.views import case_body


@dataclass(frozen=True, kw_only=True)
class PendingRegistration:
    valid: ValidRegistration
    origin: Origin
    now: datetime
    claim: Claim | None = None


def _replay(claim: Claim, record: store.IdempotencyRecord) -> Answer | BaseException:
    try:
        return claim.replay(record)
    except InvalidInput as error:  # this member's own 422; the batch goes on
        return error


def _take_numbers(connection: Connection, members: Sequence[PendingRegistration]) -> list[str]:
    """Case numbers in queue order, one counter update per hall and local day."""
    by_day: dict[tuple[str, date], list[int]] = defaultdict(list)
    for index, member in enumerate(members):
        by_day[member.valid.hall.code, local_date(member.now)].append(index)
    numbers = [""] * len(members)
    for (hall, day), indexes in by_day.items():
        first = store.take_sequence(connection, hall=hall, day=day, count=len(indexes))
        for sequence, index in enumerate(indexes, start=first):
            numbers[index] = case_number(members[index].valid, sequence=sequence, now=members[index].now)
    return numbers


def write_registrations(
    connection: Connection, members: Sequence[PendingRegistration], *, service: str, keyring: Keyring,
    written: list[outbox.Row] | None = None,
) -> list[Answer | BaseException]:
    """Write the batch; a member whose Idempotency-Key was seen before gets the stored answer
    (within the batch too: the same key twice is written once and replayed once). On SQLite the outbox
    rows written, with their ids, are added to `written`, for the relay once the batch has committed."""
    claims = {(m.claim.scope, m.claim.key) for m in members if m.claim is not None}
    stored = store.idempotency_records(connection, keys=claims)
    outcomes: list[Answer | BaseException | None] = [None] * len(members)
    first_claimant: dict[tuple[str, str], int] = {}
    fresh: list[int] = []
    for index, member in enumerate(members):
        if member.claim is not None:
            key = (member.claim.scope, member.claim.key)
            if key in stored:
                outcomes[index] = _replay(member.claim, stored[key])
                continue
            if key in first_claimant:
                continue  # answered from its first claimant's record below
            first_claimant[key] = index
        fresh.append(index)

    numbers = _take_numbers(connection, [members[i] for i in fresh])
    writes: list[CaseWrite] = [
        case_write(members[i].valid, origin=members[i].origin, number=number, now=members[i].now, service=service,
                   keyring=keyring)
        for i, number in zip(fresh, numbers, strict=True)
    ]
    store.insert_values(connection, store.Case.__table__, [w.case for w in writes])
    store.insert_values(connection, store.CaseTransition.__table__, [t for w in writes for t in w.transitions])
    store.insert_values(connection, store.BatchItemRow.__table__, [i for w in writes for i in w.items])
    store.insert_values(connection, store.Attachment.__table__, [a for w in writes for a in w.attachments])
    staged_at = datetime.now(UTC)
    events = [outbox.row(e, topic=topic, staged_at=staged_at) for w in writes for topic, e in w.events]
    last_id = insert_many(connection, outbox.OUTBOX, events)
    if last_id is not None and written is not None:
        written += outbox.written_rows(events, last_id=last_id)
    for index, write in zip(fresh, writes, strict=True):
        body = case_body(write.case, items=write.items, transitions=write.transitions, missing_items=[],
                         attachments=write.attachments, work_orders=[], cards=[])
        outcomes[index] = Answer(status_code=HTTPStatus.CREATED.value, body=body)
    records = {key: members[index].claim.record(outcomes[index]) for key, index in first_claimant.items()}
    store.insert_values(connection, store.IdempotencyRecord.__table__,
                              [record.model_dump() for record in records.values()])
    for index, member in enumerate(members):
        if outcomes[index] is None:
            outcomes[index] = _replay(member.claim, records[member.claim.scope, member.claim.key])
    if writes and connection.dialect.name == "postgresql":
        # A relay in another process wakes on commit (see shared/outbox.py's stage).
        connection.execute(text(f"NOTIFY {outbox.notify_channel(service)}"))
    return outcomes


class RegistrationCommit:
    """The group commit of registrations: `submit` answers once the member's batch has committed. Once it has,
    the batch's outbox rows go to the relay as they are (on SQLite the group commit writes through an engine of
    its own, whose commits the relay is not handed otherwise)."""

    def __init__(self, *, engine: AsyncEngine, service: str, keyring: Keyring, relay: OutboxRelay) -> None:
        self._writer = durable_writer(engine)
        self._write = partial(write_registrations, service=service, keyring=keyring)
        self._relay = relay
        self._group: GroupCommit[PendingRegistration, Answer] = GroupCommit(transact=self._transact,
                                                                            on_commit=relay.wake)
        self.submit = self._group.submit  # the route awaits the group commit itself: no hop in between

    async def start(self) -> None:
        await self._group.start()

    async def stop(self) -> None:
        await self._group.stop()
        await self._writer.close()

    async def _transact(self, members: Sequence[PendingRegistration]) -> Sequence[Answer | BaseException]:
        """A batch in one transaction."""
        written: list[outbox.Row] = []
        outcomes = await self._writer.transact(partial(self._write, written=written), members)
        if written:
            self._relay.hand_over(written)
        return outcomes
