"""The case read model: each event moves its case's facts (`CaseFactsRow`) along.

Events are applied as they arrive; topics are read independently, so a case's row is created by
whichever of its events comes first and registration fills in the rest. `state` follows the latest
step; counters (cards, returns, extensions) and flags (accepted, dispatched…) only ever grow.
Withdrawn and merged cases (撤回 / 并单) keep their last state: they are neither resolved nor counted
as closed, which `docs/audit.md` notes as an open question for the assessment.
"""

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.audit import tallies
from services.audit.domain.case_facts import CaseState
from services.audit.domain.fulltext import index_tokens
from services.audit.domain.statistics import Period, period_label
from services.audit.store import CaseFactsRow
from shared.envelope import Envelope
from shared.events import case, sla, workorder

Projection = Callable[[CaseFactsRow, Any, Envelope], None]
_PROJECTIONS: dict[str, Projection] = {}


def _on(event_class: type) -> Callable[[Projection], Projection]:
    def register(projection: Projection) -> Projection:
        _PROJECTIONS[event_class.type] = projection
        return projection

    return register


def _add_text(row: CaseFactsRow, text: str) -> None:
    if text:
        row.replies = f"{row.replies}\n{text}" if row.replies else text


@_on(case.CaseRegistered)
def _registered(row: CaseFactsRow, event: case.CaseRegistered, envelope: Envelope) -> None:
    row.case_number, row.hall, row.district = event.case_number, event.hall, envelope.district
    row.channel, row.kind, row.matter, row.description = event.channel, event.problem_kind, event.matter_code, event.description
    row.received_at = envelope.occurred_at
    for period in Period:
        setattr(row, f"period_{period.value}", period_label(envelope.occurred_at, period))
    row.state = row.state or CaseState.REGISTERED


@_on(case.CaseAccepted)
def _accepted(row: CaseFactsRow, _event: Any, _envelope: Envelope) -> None:
    row.accepted = True
    if row.state in (None, CaseState.REGISTERED):
        row.state = CaseState.ACCEPTED


@_on(case.CaseResolvedOnSpot)
def _resolved_on_spot(row: CaseFactsRow, event: case.CaseResolvedOnSpot, _envelope: Envelope) -> None:
    row.resolved_on_the_spot, row.state = True, CaseState.RESOLVED
    _add_text(row, event.resolution)


@_on(case.CaseReferredOutOfScope)
def _out_of_scope(row: CaseFactsRow, event: case.CaseReferredOutOfScope, _envelope: Envelope) -> None:
    row.out_of_scope, row.state = True, CaseState.OUT_OF_SCOPE
    _add_text(row, event.explanation)


@_on(workorder.WorkOrderDispatched)
def _dispatched(row: CaseFactsRow, event: workorder.WorkOrderDispatched, _envelope: Envelope) -> None:
    row.dispatched = True
    if event.role == "lead":
        row.department = event.department
    if row.state in (None, CaseState.REGISTERED, CaseState.ACCEPTED):
        row.state = CaseState.DISPATCHED


def _in_coordination(row: CaseFactsRow, _event: Any, _envelope: Envelope) -> None:
    if row.state not in (CaseState.REPLIED, CaseState.RESOLVED, CaseState.ARCHIVED):
        row.state = CaseState.IN_COORDINATION


_PROJECTIONS[workorder.WorkOrderEscalated.type] = _in_coordination
_PROJECTIONS[workorder.CoordinationMeetingRecorded.type] = _in_coordination


@_on(workorder.WorkOrderReplied)
def _work_order_replied(row: CaseFactsRow, event: workorder.WorkOrderReplied, _envelope: Envelope) -> None:
    _add_text(row, event.reply)


def _case_replied(row: CaseFactsRow, event: Any, _envelope: Envelope) -> None:
    row.replied = True
    if row.state not in (CaseState.RESOLVED, CaseState.ARCHIVED):
        row.state = CaseState.REPLIED
    _add_text(row, event.reply)


_PROJECTIONS[case.CaseReplied.type] = _case_replied
_PROJECTIONS[workorder.CaseReplyComposed.type] = _case_replied


@_on(workorder.WorkOrderReturned)
def _returned(row: CaseFactsRow, _event: Any, _envelope: Envelope) -> None:
    row.returns += 1


@_on(workorder.ExtensionDecided)
def _extension_decided(row: CaseFactsRow, event: workorder.ExtensionDecided, _envelope: Envelope) -> None:
    row.extensions += int(event.approved)  # 延期: only granted extensions count


@_on(sla.CardIssued)
def _card(row: CaseFactsRow, event: sla.CardIssued, _envelope: Envelope) -> None:
    if event.colour == "yellow":
        row.yellow_cards += 1
    else:
        row.red_cards += 1


@_on(sla.DeadlineClosed)
def _deadline_closed(row: CaseFactsRow, event: sla.DeadlineClosed, _envelope: Envelope) -> None:
    """On time only when every deadline of the case was met."""
    row.on_time = event.on_time if row.on_time is None else row.on_time and event.on_time


@_on(case.CallbackRecorded)
def _callback(row: CaseFactsRow, event: case.CallbackRecorded, _envelope: Envelope) -> None:
    row.satisfaction = event.satisfaction
    if event.satisfaction != "dissatisfied" and row.state == CaseState.REPLIED:
        row.state = CaseState.RESOLVED


@_on(case.CaseReopened)
def _reopened(row: CaseFactsRow, _event: Any, _envelope: Envelope) -> None:
    row.state = CaseState.DISPATCHED if row.dispatched else CaseState.ACCEPTED


@_on(case.CaseArchived)
def _archived(row: CaseFactsRow, event: case.CaseArchived, _envelope: Envelope) -> None:
    if row.state != CaseState.OUT_OF_SCOPE:  # an archived referral stays a referral in the rates
        row.state = CaseState.ARCHIVED
    row.exemplary, row.solution = event.exemplary, event.solution


async def apply_to_cases(session: AsyncSession, envelopes: Iterable[Envelope]) -> None:
    """Move each event's case along, then write the statistics rollup's deltas once for the batch.

    Raises MalformedMessage when a known event's data is invalid (the consumer dead-letters it).
    """
    for envelope in envelopes:
        await _apply_to_case(session, envelope)
    await tallies.save(session)


async def _apply_to_case(session: AsyncSession, envelope: Envelope) -> None:
    """Events that say nothing about a case are ignored."""
    projection = _PROJECTIONS.get(envelope.type)
    if projection is None:
        return
    row = await session.get(CaseFactsRow, envelope.case_id)
    if row is None:
        row = CaseFactsRow(case_id=envelope.case_id)
        session.add(row)
    before = tallies.contribution(row)
    projection(row, envelope.event(), envelope)
    row.search_tokens = index_tokens(f"{row.description}\n{row.replies}\n{row.solution}")
    tallies.record_change(session, before, tallies.contribution(row))
