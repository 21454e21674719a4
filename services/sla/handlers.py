"""The SLA service's subscribers: case and work-order events arm, pause, extend and close deadlines.

Clock starts (policy `clock_start`):
- The case's reply deadline starts at `case.registered` or at `case.accepted`; under `accepted` the
  registration leaves a waiting row (it carries the tier) that acceptance starts.
- A work order's deadline is armed at `workorder.dispatched`, counting from dispatch. Under
  `signed_for` (签收) that is provisional: a department that never signs for is still on the clock;
  the sign-for re-arms it from the sign-for instant (DeadlineArmed, change="signed_for").
Event instants are the envelopes' `occurred_at`, so a replay or a late delivery computes the same.
Each handler takes the rules it counts with; `subscribers(runtime)` hands it the runtime's rules in force
(a calendar reload replaces them). A deadline is timed by the district pack version of its case (the case's
`pack_version`, a work order's `catalogue_version`); `follow_district_packs` applies each published version.
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from shared.consuming import Consumer, Unit
from shared.db import insert_at_commit, plain_row
from shared.districts.live import follow_packs
from shared.envelope import Envelope
from shared.events.case import (
    CaseAccepted,
    CaseMerged,
    CasePaused,
    CaseReferredOutOfScope,
    CaseRegistered,
    CaseReplied,
    CaseResolvedOnSpot,
    CaseResumed,
    CaseWithdrawn,
)
from shared.events.workorder import (
    ExtensionDecided,
    WorkOrderCancelled,
    WorkOrderDispatched,
    WorkOrderReplied,
    WorkOrderReturned,
    WorkOrderSignedFor,
)
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS
from services.sla import store
from services.sla.domain.policy import ClockStart, DeadlineSubject
from services.sla.domain.rules import Rules
from services.sla.domain.schedule import extension_to_working_days
from services.sla.domain.supervision import CardReason, card_for_returns
from services.sla.store import tracking
from services.sla.store.cards import issue_card

if TYPE_CHECKING:
    from services.sla.app import SlaRuntime

DEADLINES = "sla.deadlines"  # session.info: this transaction's deadlines by (subject, subject id), None if none
NEW_DEADLINES = "sla.new_deadlines"  # session.info: the deadlines armed in this transaction, in order


async def _deadline(unit: Unit, subject: str, subject_id: str) -> store.Deadline | None:
    """The deadline of a case or work order. The first lookup of a batch loads the deadlines of every
    subject the batch's events name, in one locked query: a query per event cost a round trip and an
    autoflush each (so every new row was inserted on its own)."""
    known: dict[tuple[str, str], store.Deadline | None] = unit.session.info.setdefault(DEADLINES, {})
    if (subject, subject_id) not in known:
        wanted = {(subject, subject_id), *(key for e in unit.batch for key in _subjects(e))} - known.keys()
        with unit.session.no_autoflush:  # what this transaction added is in `known` already
            found = await store.deadlines_of_subjects(unit.session, subjects=wanted)
        known.update(dict.fromkeys(wanted))
        known.update({(row.subject, row.subject_id): row for row in found})
    return known[(subject, subject_id)]


def _subjects(envelope: Envelope) -> list[tuple[str, str]]:
    work_order_id = envelope.data.get("work_order_id")
    return [("case", envelope.case_id), *([("work_order", work_order_id)] if isinstance(work_order_id, str) else [])]


def _add(unit: Unit, row: store.Deadline) -> None:
    """A deadline armed now: a plain row inserted at commit with the batch's others, in one statement (as a
    table instance, its construction and an ORM insert at the flush were the costly part of arming a timer:
    docs/performance.md). Queries in this transaction
    do not see it, so lookups go through `_deadline` and `_live_deadlines_of_case`, which know it."""
    insert_at_commit(unit.session, row)
    unit.session.info.setdefault(DEADLINES, {})[(row.subject, row.subject_id)] = row
    unit.session.info.setdefault(NEW_DEADLINES, []).append(row)


async def _live_deadlines_of_case(unit: Unit, case_id: str) -> list[store.Deadline]:
    """The case's open and waiting deadlines: those stored, locked, then those armed in this transaction."""
    stored = await store.live_deadlines_of_case(unit.session, case_id=case_id)
    armed = unit.session.info.get(NEW_DEADLINES, ())
    return [*stored, *(row for row in armed if row.case_id == case_id and row.state in tracking.LIVE)]


async def on_case_registered_arm_reply_deadline(
    event: CaseRegistered, envelope: Envelope, unit: Unit, *, rules: Rules,
) -> None:
    if await _deadline(unit, "case", envelope.case_id):
        return
    policy = rules.policy(envelope.district, event.pack_version)  # the version the case was registered under
    starts = policy.clock_starts_on(DeadlineSubject.CASE_REPLY)
    policy.tier(event.tier)  # an unknown tier is refused now, not at acceptance
    row = plain_row(
        store.Deadline,
        case_id=envelope.case_id, subject="case", subject_id=envelope.case_id, district=envelope.district,
        hall=envelope.hall or event.hall, tier=event.tier, state="waiting", pack_version=event.pack_version,
    )
    _add(unit, row)
    if starts is ClockStart.REGISTERED:
        # A letter or phone note entered later counts from when it came in (intake bounds how far back).
        await tracking.start_clock(unit, rules, row, at=event.received_at or envelope.occurred_at,
                                   by=ClockStart.REGISTERED)


async def on_case_accepted_start_reply_clock(
    event: CaseAccepted, envelope: Envelope, unit: Unit, *, rules: Rules,
) -> None:
    row = await _deadline(unit, "case", envelope.case_id)
    if row is None or row.state != "waiting":
        return
    await tracking.start_clock(unit, rules, row, at=envelope.occurred_at, by=ClockStart.ACCEPTED)


async def on_work_order_dispatched_arm_deadline(
    event: WorkOrderDispatched, envelope: Envelope, unit: Unit, *, rules: Rules,
) -> None:
    if await _deadline(unit, "work_order", event.work_order_id):
        return
    row = plain_row(
        store.Deadline,
        case_id=envelope.case_id, subject="work_order", subject_id=event.work_order_id,
        department=event.department, district=envelope.district, hall=envelope.hall, tier=event.tier,
        pack_version=event.catalogue_version,  # the version routing decided by: the case's
    )
    _add(unit, row)
    await tracking.start_clock(unit, rules, row, at=envelope.occurred_at, by=ClockStart.DISPATCHED)


async def on_work_order_signed_for_restart_clock(
    event: WorkOrderSignedFor, envelope: Envelope, unit: Unit, *, rules: Rules,
) -> None:
    row = await _deadline(unit, "work_order", event.work_order_id)
    if row is None or row.state != "open" or row.clock_start == ClockStart.SIGNED_FOR:
        return
    starts = rules.policy(row.district, row.pack_version).clock_starts_on(DeadlineSubject.WORK_ORDER)
    if starts is not ClockStart.SIGNED_FOR:
        return
    await tracking.start_clock(unit, rules, row, at=envelope.occurred_at, by=ClockStart.SIGNED_FOR)


async def on_work_order_replied_or_cancelled_close_deadline(event: WorkOrderReplied | WorkOrderCancelled,
                                                            envelope: Envelope, unit: Unit, *, rules: Rules) -> None:
    row = await _deadline(unit, "work_order", event.work_order_id)
    if row is not None:
        await tracking.close(unit, row, at=envelope.occurred_at)


async def on_case_answered_close_reply_deadline(event: object, envelope: Envelope, unit: Unit, *, rules: Rules) -> None:
    row = await _deadline(unit, "case", envelope.case_id)
    if row is not None:
        await tracking.close(unit, row, at=envelope.occurred_at)


async def on_case_ended_close_every_deadline(event: object, envelope: Envelope, unit: Unit, *, rules: Rules) -> None:
    for row in await _live_deadlines_of_case(unit, envelope.case_id):
        await tracking.close(unit, row, at=envelope.occurred_at)


async def on_case_paused_stop_clocks(event: CasePaused, envelope: Envelope, unit: Unit, *, rules: Rules) -> None:
    for row in await _live_deadlines_of_case(unit, envelope.case_id):
        await tracking.pause(unit, rules, row, at=envelope.occurred_at, reason=event.reason)


async def on_case_resumed_restart_clocks(event: CaseResumed, envelope: Envelope, unit: Unit, *, rules: Rules) -> None:
    for row in await _live_deadlines_of_case(unit, envelope.case_id):
        await tracking.resume(unit, rules, row, at=envelope.occurred_at)


async def on_extension_approved_move_deadline(
    event: ExtensionDecided, envelope: Envelope, unit: Unit, *, rules: Rules,
) -> None:
    if not event.approved:
        return
    row = await _deadline(unit, "work_order", event.work_order_id)
    if row is None or row.state != "open":
        return
    if event.new_due_at is None:
        raise ValueError(f"approved extension of {event.work_order_id} has no new_due_at")
    if row.due_at is None:
        raise ValueError(f"work order {event.work_order_id} is paused: resume it before extending")
    zone = rules.policy(row.district, row.pack_version).office_hours.zone
    days = extension_to_working_days(
        calendar=rules.calendar(row.district),
        current_due_day=row.due_at.astimezone(zone).date(),
        requested_due_day=event.new_due_at.astimezone(zone).date(),
    )
    await tracking.extend(unit, rules, row, working_days=days)


async def on_work_order_returned_stop_it_and_card_repeats(
    event: WorkOrderReturned, envelope: Envelope, unit: Unit, *, rules: Rules,
) -> None:
    """A returned order's clock stops (routing re-dispatches); too many returns earn the case a red card."""
    row = await _deadline(unit, "work_order", event.work_order_id)
    if row is not None and row.state == "open":
        row.state, row.next_firing_at = "returned", None
    case_row = await _deadline(unit, "case", envelope.case_id)
    target = case_row or row
    if target is None:
        return
    policy = rules.policy(target.district, target.pack_version)
    colour = card_for_returns(return_count=event.return_count, policy=policy)
    if colour is not None:
        item = await store.supervision_of_deadline(unit.session, deadline_id=target.id)
        await issue_card(
            unit, target, item, colour=colour, reason=CardReason.REPEATED_RETURNS, at=envelope.occurred_at,
            department=event.department,
        )


HANDLERS: list[tuple[tuple[type, ...], Callable[..., Awaitable[None]]]] = [
    ((CaseRegistered,), on_case_registered_arm_reply_deadline),
    ((CaseAccepted,), on_case_accepted_start_reply_clock),
    ((WorkOrderDispatched,), on_work_order_dispatched_arm_deadline),
    ((WorkOrderSignedFor,), on_work_order_signed_for_restart_clock),
    ((WorkOrderCancelled, WorkOrderReplied), on_work_order_replied_or_cancelled_close_deadline),
    ((CaseResolvedOnSpot, CaseReplied), on_case_answered_close_reply_deadline),
    ((CaseReferredOutOfScope, CaseMerged, CaseWithdrawn), on_case_ended_close_every_deadline),
    ((CasePaused,), on_case_paused_stop_clocks),
    ((CaseResumed,), on_case_resumed_restart_clocks),
    ((ExtensionDecided,), on_extension_approved_move_deadline),
    ((WorkOrderReturned,), on_work_order_returned_stop_it_and_card_repeats),
]


async def follow_district_packs(runtime: "SlaRuntime") -> None:
    """Every published district pack version's policy, kept beside the earlier ones (a case is timed by its own
    version): shared/districts/live.py. The policies are shared by every reload of the rules."""
    await follow_packs(runtime.kafka, service=runtime.name, apply=runtime.rules.policies.apply)


def subscribers(runtime: "SlaRuntime") -> list[Consumer]:
    """sla's consumer group: each handler given the rules the runtime holds when the event arrives."""
    consumer = Consumer("sla", topics=[CASE_EVENTS, WORKORDER_EVENTS])
    for event_classes, handler in HANDLERS:
        for event_class in event_classes:
            consumer.on(event_class)(_with_rules(handler, runtime))
    return [consumer]


def _with_rules(handler: Callable[..., Awaitable[None]], runtime: "SlaRuntime") -> Callable[..., Awaitable[None]]:
    async def handle(event: Any, envelope: Envelope, unit: Unit) -> None:
        await handler(event, envelope, unit, rules=runtime.rules)

    handle.__name__ = handler.__name__
    return handle
