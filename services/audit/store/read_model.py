"""The case read model: each event moves its case's facts (`audit_case`) along.

Events are applied as they arrive; topics are read independently, so a case's row is created by
whichever of its events comes first and registration fills in the rest. `state` follows the latest
step, named as intake names it (`shared.events.case.CaseState`); counters (cards, returns, extensions) and flags
(accepted, dispatched, in coordination…) only ever grow. Withdrawn and merged cases (撤回 / 并单) keep saying so
through their archiving: they are neither resolved nor counted as closed, which `docs/audit.md` notes as an open
question for the assessment.

A batch is applied in bulk: its cases are read in one query, moved in memory as plain attribute bags
(an ORM object per event, and a query and flush per event, cost more than everything else audit does),
then written with one statement per set of changed columns. Per case and batch, not per event: the
search tokens are recomputed only when the case's text changed, and the rollup moves from the case's
contribution before the batch to its contribution after it (the per-event moves in between cancel out).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.envelope import Envelope
from shared.events import case, sla, workorder
from services.audit.domain.case_facts import CLOSED_STATES, CaseState
from services.audit.domain.fulltext import index_tokens
from services.audit.domain.statistics import Period, period_label
from services.audit.store import tallies
from services.audit.store.tables import CaseFactsRow, CaseReturnRow

_TABLE = CaseFactsRow.__table__  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
_RETURNS = CaseReturnRow.__table__  # type: ignore[attr-defined]  # as _TABLE
_NEW_CASE = {name: field.default for name, field in CaseFactsRow.model_fields.items()}
_TEXT = ("description", "replies", "solution")  # what the search tokens are made of

CaseValues = tallies.CaseValues  # moved in place by a projection
Projection = Callable[[CaseValues, Any, Envelope], None]
_PROJECTIONS: dict[str, Projection] = {}


def _on(event_class: type) -> Callable[[Projection], Projection]:
    def register(projection: Projection) -> Projection:
        _PROJECTIONS[event_class.type] = projection
        return projection

    return register


def _add_text(row: CaseValues, text: str) -> None:
    if text:
        row.replies = f"{row.replies}\n{text}" if row.replies else text


@_on(case.CaseRegistered)
def _registered(row: CaseValues, event: case.CaseRegistered, envelope: Envelope) -> None:
    row.case_number, row.hall, row.district = event.case_number, event.hall, envelope.district
    row.channel, row.kind = event.channel, event.problem_kind
    row.matter, row.description = event.matter_code, event.description
    row.received_at = event.received_at or envelope.occurred_at  # a letter entered later counts when it came
    row.consultation = event.consultation
    for period in Period:
        setattr(row, f"period_{period.value}", period_label(row.received_at, period))
    row.state = row.state or CaseState.registered


@_on(case.CaseAccepted)
def _accepted(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    row.accepted = True
    if row.state in (None, CaseState.registered):
        row.state = CaseState.accepted


@_on(case.CaseResolvedOnSpot)
def _resolved_on_spot(row: CaseValues, event: case.CaseResolvedOnSpot, _envelope: Envelope) -> None:
    row.resolved_on_the_spot, row.state = True, CaseState.resolved_on_spot
    _add_text(row, event.resolution)


@_on(case.CaseReferredOutOfScope)
def _out_of_scope(row: CaseValues, event: case.CaseReferredOutOfScope, _envelope: Envelope) -> None:
    row.out_of_scope, row.state = True, CaseState.referred_out_of_scope
    _add_text(row, event.explanation)


@_on(workorder.WorkOrderDispatched)
def _dispatched(row: CaseValues, event: workorder.WorkOrderDispatched, _envelope: Envelope) -> None:
    row.dispatched, row.round = True, max(row.round, event.round)
    if event.role == "lead":
        row.department = event.department
    if row.state in (None, CaseState.registered, CaseState.accepted, CaseState.reopened):
        row.state = CaseState.dispatched


def _in_coordination(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    """协调中 is not a state of the case (intake's vocabulary has none): a flag, kept once escalated."""
    row.in_coordination = True


_PROJECTIONS[workorder.WorkOrderEscalated.type] = _in_coordination
_PROJECTIONS[workorder.CoordinationMeetingRecorded.type] = _in_coordination


@_on(workorder.WorkOrderReplied)
def _work_order_replied(row: CaseValues, event: workorder.WorkOrderReplied, _envelope: Envelope) -> None:
    _add_text(row, event.reply)


def _case_replied(row: CaseValues, event: Any, _envelope: Envelope) -> None:
    row.replied = True
    if row.state not in CLOSED_STATES:
        row.state = CaseState.replied
    _add_text(row, event.reply)


_PROJECTIONS[case.CaseReplied.type] = _case_replied
_PROJECTIONS[workorder.CaseReplyComposed.type] = _case_replied


@_on(workorder.WorkOrderReturned)
def _returned(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    row.returns += 1


@_on(workorder.ExtensionDecided)
def _extension_decided(row: CaseValues, event: workorder.ExtensionDecided, _envelope: Envelope) -> None:
    row.extensions += int(event.approved)  # 延期: only granted extensions count


@_on(sla.CardIssued)
def _card(row: CaseValues, event: sla.CardIssued, _envelope: Envelope) -> None:
    if event.colour == "yellow":
        row.yellow_cards += 1
    else:
        row.red_cards += 1


@_on(sla.DeadlineClosed)
def _deadline_closed(row: CaseValues, event: sla.DeadlineClosed, _envelope: Envelope) -> None:
    """On time only when every deadline of the case was met; a redo round's missed one is its lateness too. (A
    redo's deadlines close long after its work orders were dispatched, so `round` is known by then.)"""
    row.on_time = event.on_time if row.on_time is None else row.on_time and event.on_time
    if event.subject == "work_order" and not event.on_time and row.round > 1:
        row.redo_overdue += 1


@_on(case.CallbackRecorded)
def _callback(row: CaseValues, event: case.CallbackRecorded, _envelope: Envelope) -> None:
    row.satisfaction = event.satisfaction
    if event.satisfaction != "dissatisfied" and row.state == CaseState.replied:
        row.state = CaseState.callback_recorded


@_on(case.CaseReopened)
def _reopened(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    row.redos += 1  # 重办
    row.state = CaseState.reopened


@_on(case.CaseReviewed)
def _reviewed(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    row.state = CaseState.reviewed


@_on(case.CasePaused)
def _paused(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    if row.state != CaseState.paused:
        row.resume_to, row.state = row.state, CaseState.paused


@_on(case.CaseResumed)
def _resumed(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    if row.state == CaseState.paused:
        row.state, row.resume_to = row.resume_to or CaseState.accepted, None


@_on(case.CaseWithdrawn)
def _withdrawn(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    row.state = CaseState.withdrawn


@_on(case.CaseMerged)
def _merged(row: CaseValues, _event: Any, _envelope: Envelope) -> None:
    row.state = CaseState.merged_as_duplicate


@_on(case.CaseArchived)
def _archived(row: CaseValues, event: case.CaseArchived, _envelope: Envelope) -> None:
    # An archived referral stays a referral; a withdrawn or merged case keeps saying so (never counted closed).
    if row.state not in (CaseState.referred_out_of_scope, CaseState.withdrawn, CaseState.merged_as_duplicate):
        row.state = CaseState.archived
    row.exemplary, row.solution = event.exemplary, event.solution


async def apply_to_cases(session: AsyncSession, envelopes: Iterable[Envelope]) -> None:
    """Move each event's case along, then write the batch's cases and the rollup's deltas once.

    Events that say nothing about a case are ignored. Raises MalformedMessage when a known event's data
    is invalid (the consumer dead-letters it).
    """
    moving = [(envelope, projection) for envelope in envelopes if (projection := _PROJECTIONS.get(envelope.type))]
    if not moving:
        return
    connection = await session.connection()
    stored = await _load(connection, {envelope.case_id for envelope, _ in moving})
    cases: dict[str, CaseValues] = {}
    for envelope, projection in moving:
        values = cases.get(envelope.case_id)
        if values is None:
            values = cases[envelope.case_id] = CaseValues(**stored.get(envelope.case_id,
                                                                       _NEW_CASE | {"case_id": envelope.case_id}))
        projection(values, envelope.event(), envelope)
    for case_id, values in cases.items():
        was = CaseValues(**stored.get(case_id, _NEW_CASE))
        if _text(values) != _text(was):
            values.search_tokens = index_tokens("\n".join(_text(values)))
        tallies.record_change(session, tallies.contribution(was), tallies.contribution(values))
    await _save(connection, stored, cases)
    await _charge_returns(connection, [e for e, _ in moving if e.type == workorder.WorkOrderReturned.type])
    await tallies.save(session)


async def _charge_returns(connection: AsyncConnection, returned: list[Envelope]) -> None:
    """Each return (退单) kept against the department that returned it (`reports.statistics` by department)."""
    if not returned:
        return
    rows = [{"work_order_id": envelope.data["work_order_id"], "case_id": envelope.case_id,
             "department": envelope.data["department"], "returned_at": envelope.occurred_at} for envelope in returned]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    await connection.execute(dialect.insert(_RETURNS).on_conflict_do_nothing(index_elements=["work_order_id"]), rows)


def _text(values: CaseValues) -> tuple[str, ...]:
    return tuple(getattr(values, name) for name in _TEXT)


async def _load(connection: AsyncConnection, case_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of these cases, by id; locked on PostgreSQL, in id order (as two consumers of
    other topics would lock them), so a case moved by both at once is moved by one after the other."""
    statement = select(_TABLE).where(_TABLE.c.case_id.in_(case_ids)).order_by(_TABLE.c.case_id).with_for_update()
    return {row.case_id: dict(row._mapping) for row in await connection.execute(statement)}


async def _save(connection: AsyncConnection, stored: dict[str, dict[str, Any]], cases: dict[str, CaseValues]) -> None:
    """New cases in one insert; moved ones in one update per set of changed columns, so an unchanged
    column (the search tokens above all: SQLite's FTS5 trigger fires on them) is never rewritten."""
    new = [vars(values) for case_id, values in cases.items() if case_id not in stored]
    if new:
        await connection.execute(insert(_TABLE), new)
    moved: defaultdict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for case_id, before in stored.items():
        after = vars(cases[case_id])
        changed = tuple(name for name, value in after.items() if value != before[name])
        if changed:
            moved[changed].append({"key": case_id} | {name: after[name] for name in changed})
    for rows in moved.values():
        await connection.execute(update(_TABLE).where(_TABLE.c.case_id == bindparam("key")), rows)
