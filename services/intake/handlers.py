"""Intake's subscribers: routing's work orders and sla's cards and deadlines move and annotate its cases.

The case is replied (答复) when routing says every work order is answered and the lead
department composed the reply (`workorder.case_reply_composed`): the simplest saga, intake
follows, routing decides. Events for cases this database does not hold are ignored.
Beside them, without a group, `follow_district_packs` applies every published district pack version.

Most of a batch is work orders being listed on their cases (and sla's events intake does not handle):
the first handler of a batch that needs them loads which of the batch's cases intake holds and the
batch's work orders, one query each, instead of two lookups per event; new work orders go in at commit
as plain rows, in one statement per batch.
"""

from typing import TYPE_CHECKING

from shared.clock import stored_utc
from shared.consuming import Consumer, Unit
from shared.db import insert_at_commit, plain_row
from shared.districts import DistrictPack
from shared.districts.live import follow_packs
from shared.envelope import Envelope
from shared.events.sla import CardIssued, DeadlineArmed
from shared.events.workorder import (
    CaseReplyComposed,
    OutOfScopeReferralAdvised,
    WorkOrderCancelled,
    WorkOrderDispatched,
    WorkOrderReplied,
    WorkOrderReturned,
)
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from services.intake import store
from services.intake.commands import ActionIn
from services.intake.domain.lifecycle import ActionKind
from services.intake.store.actions import act_on_case

if TYPE_CHECKING:
    from services.intake.app import IntakeRuntime

KNOWN_CASES = "intake.known_cases"  # session.info: (case ids asked, those intake holds) in this transaction
WORK_ORDERS = "intake.work_orders"  # session.info: this transaction's work orders by id, None if unknown
_WORK_ORDER_EVENTS = {WorkOrderDispatched.type, WorkOrderReplied.type, WorkOrderReturned.type,
                      WorkOrderCancelled.type}


async def _holds_case(unit: Unit, case_id: str) -> bool:
    """Whether intake holds the case; the first question of a batch asks for every case it names."""
    asked, held = unit.session.info.setdefault(KNOWN_CASES, (set(), set()))
    if case_id not in asked:
        wanted = ({case_id} | {e.case_id for e in unit.batch}) - asked
        held |= await store.existing_case_ids(unit.session, case_ids=wanted)
        asked |= wanted
    return case_id in held


async def _work_order(unit: Unit, work_order_id: str) -> store.CaseWorkOrder | None:
    """The work order as intake heard of it; the first lookup of a batch loads every one the batch names.
    Rows added in this transaction are found here too (they are inserted only at commit)."""
    known: dict[str, store.CaseWorkOrder | None] = unit.session.info.setdefault(WORK_ORDERS, {})
    if work_order_id not in known:
        named = {e.data.get("work_order_id") for e in unit.batch if e.type in _WORK_ORDER_EVENTS}
        wanted = ({work_order_id} | {w for w in named if isinstance(w, str)}) - known.keys()
        known.update(dict.fromkeys(wanted))
        known.update({row.work_order_id: row for row in await store.case_work_orders(unit.session, ids=wanted)})
    return known[work_order_id]


async def on_work_order_dispatched_list_it_on_the_case(
    event: WorkOrderDispatched, envelope: Envelope, unit: Unit
) -> None:
    if not await _holds_case(unit, envelope.case_id):
        return
    row = await _work_order(unit, event.work_order_id)
    if row is not None:
        row.state = "dispatched"
        return
    row = plain_row(
        store.CaseWorkOrder,
        work_order_id=event.work_order_id, case_id=envelope.case_id, department=event.department,
        role=event.role, state="dispatched", round=event.round,
    )
    insert_at_commit(unit.session, row)
    unit.session.info[WORK_ORDERS][event.work_order_id] = row


async def _mark_work_order(unit: Unit, work_order_id: str, state: str) -> None:
    row = await _work_order(unit, work_order_id)
    if row is not None:
        row.state = state


async def on_work_order_replied_mark_it_replied(event: WorkOrderReplied, envelope: Envelope, unit: Unit) -> None:
    await _mark_work_order(unit, event.work_order_id, "replied")


async def on_work_order_returned_mark_it_returned(event: WorkOrderReturned, envelope: Envelope, unit: Unit) -> None:
    await _mark_work_order(unit, event.work_order_id, "returned")


async def on_work_order_cancelled_mark_it_cancelled(event: WorkOrderCancelled, envelope: Envelope, unit: Unit) -> None:
    await _mark_work_order(unit, event.work_order_id, "cancelled")


async def on_case_reply_composed_reply_to_the_citizen(
    event: CaseReplyComposed, envelope: Envelope, unit: Unit
) -> None:
    """Every work order is answered: the case is replied. An illegal step (the case was withdrawn
    meanwhile) raises, so the record goes to the dead-letter topic with the reason for staff."""
    case = await store.get_case(unit.session, case_id=envelope.case_id)
    if case is None or case.state == "replied":
        return
    reply = ActionIn(action=ActionKind.record_reply, reason=event.reply)
    # The person (or department system) who composed the reply is its actor here too.
    composed_by = envelope.actor if envelope.actor.startswith(("person:", "system:")) else None
    await act_on_case(unit, case=case, action_in=reply, actor=composed_by or f"department:{event.lead_department}",
                      now=envelope.occurred_at, actor_detail=envelope.actor_detail if composed_by else None)


async def on_referral_advised_show_it_on_the_case(
    event: OutOfScopeReferralAdvised, envelope: Envelope, unit: Unit
) -> None:
    """Routing found the case out of scope: staff see where to refer it and what to tell the person, and
    confirm it (refer_out_of_scope) or overrule it (routing's assignment). A later advice replaces it."""
    if not await _holds_case(unit, envelope.case_id):
        return
    advice = await store.referral_advice(unit.session, case_id=envelope.case_id)
    if advice is None:
        advice = store.CaseReferralAdvice(case_id=envelope.case_id, targets=[], explanation="", reason="",
                                          advised_at=envelope.occurred_at)
    elif stored_utc(advice.advised_at) > envelope.occurred_at:
        return  # an older advice arriving late
    advice.targets = [target.model_dump() for target in event.targets]
    advice.explanation, advice.reason, advice.advised_at = event.explanation, event.reason, envelope.occurred_at
    unit.session.add(advice)


async def on_card_issued_show_it_on_the_case(event: CardIssued, envelope: Envelope, unit: Unit) -> None:
    if not await _holds_case(unit, envelope.case_id):
        return
    if await unit.session.get(store.CaseCard, (event.supervision_id, event.colour)) is None:
        unit.session.add(store.CaseCard(
            supervision_id=event.supervision_id, colour=event.colour, case_id=envelope.case_id,
            subject=event.subject, department=event.department, reason=event.reason,
            issued_at=envelope.occurred_at,
        ))


async def on_deadline_armed_keep_the_reply_due(event: DeadlineArmed, envelope: Envelope, unit: Unit) -> None:
    """The case's reply deadline as sla last armed it (None while paused): its queues sort by it, the citizen's
    follow page promises it (docs/citizen.md), and `overdue` holds the cases past it. Setting it again to the
    same value changes nothing (idempotent). One UPDATE, not a load and a flush: it touches no other column (a
    case intake lacks is no row)."""
    if event.subject == "case":
        await store.set_reply_due(unit.session, case_id=envelope.case_id, due_at=event.due_at)


async def follow_district_packs(runtime: "IntakeRuntime") -> None:
    """Every published district pack version becomes the one new registrations are checked against (and stamped
    with): the catalogue is rebuilt with it and swapped in whole (shared/districts/live.py)."""

    def apply(pack: DistrictPack) -> None:
        runtime.catalogue = runtime.catalogue.with_pack(pack)

    await follow_packs(runtime.kafka, service=runtime.name, apply=apply)


def subscribers(runtime: "IntakeRuntime") -> list[Consumer]:
    """Intake's consumer group; its handlers need nothing of the runtime beyond the unit they are given."""
    consumer = Consumer("intake", topics=[WORKORDER_EVENTS, SLA_EVENTS])
    consumer.on(WorkOrderDispatched)(on_work_order_dispatched_list_it_on_the_case)
    consumer.on(WorkOrderReplied)(on_work_order_replied_mark_it_replied)
    consumer.on(WorkOrderReturned)(on_work_order_returned_mark_it_returned)
    consumer.on(WorkOrderCancelled)(on_work_order_cancelled_mark_it_cancelled)
    consumer.on(CaseReplyComposed)(on_case_reply_composed_reply_to_the_citizen)
    consumer.on(OutOfScopeReferralAdvised)(on_referral_advised_show_it_on_the_case)
    consumer.on(CardIssued)(on_card_issued_show_it_on_the_case)
    consumer.on(DeadlineArmed)(on_deadline_armed_keep_the_reply_due)
    return [consumer]
