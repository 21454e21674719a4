"""Notify's subscribers: the planner, and a channel worker per channel topic.

The planner: case, work-order and SLA events become delivery requests on channel topics, by the rules of
the district packs in force (`follow_district_packs` applies each published version).

A citizen's SMS verification code (验证码) arrives sealed on the contacts topic too; it is planned at once on
its own, not on any case's book (`planning.code_deliveries`).

The citizen's contact arrives on its own topic, sealed under the transport key, in no order with the
case stream; it is kept sealed under notify's own key (store/personal_data.py); an event planned
before it is planned again when it arrives (only the citizen's deliveries are new).

A consumed batch is handled in one call: its cases are read once (store/casebook.py), each event is applied
in order in memory, and the batch's writes and requests go out together at the end.

Channel workers: one consumer group per channel topic (`notify.<channel>`), so a channel is a subscriber.

A worker only queues: it moves each request's row from `requested` (planned) to `pending` and wakes the
dispatcher after the commit. Sending, retries and dead letters are the dispatcher's (workers/dispatch.py), so
they survive restarts.

Queueing is store/delivery_queue.py's.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event

from shared.consuming import Consumer, Fresh, Unit
from shared.districts.live import follow_packs
from shared.envelope import Envelope
from shared.events import case, sla, workorder
from shared.events.base import Event
from shared.events.notification import NotificationRequested
from shared.personal_data import Keyring
from shared.topics import CASE_CONTACTS, CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS, channel_topic
from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.triggers import learn, trigger_for
from services.notify.store import tables
from services.notify.store.casebook import CaseBook, Row
from services.notify.store.delivery_queue import queue_requests
from services.notify.store.personal_data import CONTACT_FIELDS, contact_context
from services.notify.store.planning import Planned, code_deliveries, deadline_known, plan_trigger, request_new

if TYPE_CHECKING:
    from services.notify.app import NotifyRuntime

PLANNED_EVENTS = (
    case.CaseRegistered, case.CaseAccepted, case.CaseForwarded, case.CaseReplied, case.CallbackRecorded,
    case.CaseArchived, workorder.WorkOrderDispatched, workorder.WorkOrderReturned, workorder.WorkOrderEscalated,
    workorder.WorkOrderCancelled, workorder.PingPongDetected, sla.DeadlineArmed, sla.DeadlinePaused,
    sla.DeadlineWarned, sla.CardIssued, sla.UrgingNoticeSent,
    sla.DeadlineClosed,  # learnt only: whether the reply was on time, for 12345 at closing
)
HANDLED_TYPES = frozenset(event_class.type for event_class in (*PLANNED_EVENTS, case.CaseContactRecorded))
CODE_EVENT = case.VerificationCodeRequested.type


async def follow_district_packs(runtime: "NotifyRuntime") -> None:
    """The planner's rules of every published district pack version (shared/districts/live.py); a process of
    channel workers alone plans nothing and needs none."""
    if runtime.config is not None:
        await follow_packs(runtime.kafka, service=runtime.name, apply=runtime.config.rules.apply)


def subscribers(runtime: "NotifyRuntime") -> list[Consumer]:
    """The planner (unless the runtime plans nothing: a channel-worker process) and a worker per channel the
    runtime runs, waking its dispatcher."""
    workers = [channel_worker(channel.value, keyring=runtime.keyring, on_queued=runtime.dispatcher.wake)
               for channel in sorted(runtime.channels)]
    if runtime.config is None:
        return workers
    return [planner(runtime.config, runtime.keyring), *workers]


def planner(config: NotifyConfig, keyring: Keyring) -> Consumer:
    """The planner's consumer group, planning by `config`'s rules and templates, sealing with `keyring`."""
    consumer = Consumer("notify", topics=[CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS, CASE_CONTACTS])

    @consumer.on_every_batch
    async def on_events_plan_notifications(fresh: Fresh, unit: Unit) -> None:
        """Each event updates the book of its case and plans what it triggers; the batch's requests are
        staged together at the end (see store/casebook.py for why reads come first and writes last)."""
        events = [(envelope, envelope.event()) for envelope, _record in fresh if envelope.type in HANDLED_TYPES]
        codes = [planned for envelope, _record in fresh if envelope.type == CODE_EVENT
                 for planned in code_deliveries(envelope, config, keyring)]
        await request_new(unit.session, unit.service, codes, config, keyring=keyring)
        if not events:
            return
        connection = await unit.session.connection()
        book = await CaseBook.load(connection, (envelope.case_id for envelope, _ in events))
        planned: list[Planned] = []
        for envelope, event in events:
            if isinstance(event, case.CaseContactRecorded):
                planned += _on_contact_recorded(book, event, envelope, config, keyring)
            else:
                planned += _on_case_event(book, event, envelope, config, keyring)
        await book.save(connection)
        await request_new(unit.session, unit.service, planned, config, keyring=keyring)

    return consumer


def _on_case_event(
    book: CaseBook, event: Event, envelope: Envelope, config: NotifyConfig, keyring: Keyring
) -> list[Planned]:
    facts = book.facts_of(envelope.case_id, envelope.district)
    number_was_known = facts.case_number is not None
    learn(facts, event)
    book.changed(facts)
    trigger = trigger_for(event, facts)
    record = None
    if (
        trigger is not None
        and config.rules.for_district(facts.district).for_event(trigger.rule_key)
        and not book.has_trigger(str(envelope.id))  # replayed past the inbox
    ):
        record = Row.new(tables.TriggerRecord, event_id=str(envelope.id), case_id=envelope.case_id,
                         rule_key=trigger.rule_key, trigger=trigger.dump(), occurred_at=envelope.occurred_at)
        book.add_trigger(record)
    if facts.case_number is None:
        return []  # an SLA event before any case event: planned once the number is known
    # Triggers wait while the number is unknown, and one about a work order until its deadline is armed; then
    # each plans as it comes. A work order's deadline arriving plans what waited for it.
    waiting = [record] if number_was_known else book.triggers_of(envelope.case_id, planned=False)
    if isinstance(event, sla.DeadlineArmed) and event.subject == "work_order":
        waiting += [pending for pending in book.triggers_of(envelope.case_id, planned=False)
                    if pending.trigger.get("work_order_id") == event.subject_id and pending not in waiting]
    ready = [pending for pending in waiting if pending is not None and deadline_known(pending, facts)]
    return _plan(book, ready, facts, config, envelope, keyring)


def _on_contact_recorded(
    book: CaseBook, event: case.CaseContactRecorded, envelope: Envelope, config: NotifyConfig, keyring: Keyring
) -> list[Planned]:
    opened = case.open_contact(keyring, event, case_id=envelope.case_id)  # a wrong key: dead-lettered, named
    contact = book.contact_of(envelope.case_id)
    for name in CONTACT_FIELDS:
        setattr(contact, name,
                keyring.seal_optional(getattr(opened, name), context=contact_context(name, envelope.case_id)))
    book.changed(contact)
    facts = book.facts.get(envelope.case_id)
    if facts is None or facts.case_number is None:
        return []  # the case's own events will plan with the contact on file
    return _plan(book, book.triggers_of(envelope.case_id, planned=True), facts, config, envelope, keyring)


def _plan(
    book: CaseBook, records: list[Row], facts: Row, config: NotifyConfig, cause: Envelope, keyring: Keyring
) -> list[Planned]:
    planned = []
    for record in records:
        planned += plan_trigger(record, facts, book.contacts.get(record.case_id), config, cause=cause, keyring=keyring)
        book.changed(record)
    return planned


def channel_worker(channel: str, *, keyring: Keyring, on_queued: Callable[[], None]) -> Consumer:
    """The worker of `channel`: queues its requests (sealed with `keyring`), then `on_queued` wakes the dispatcher."""
    worker = Consumer(f"notify.{channel}", topics=[channel_topic(channel)], own_dedupe=True)

    @worker.on_every_batch
    async def on_notification_requests_queue_deliveries(fresh: Fresh, unit: Unit) -> None:
        requests = [
            (envelope, envelope.event()) for envelope, _record in fresh if envelope.type == NotificationRequested.type
        ]
        if not requests:
            return
        await queue_requests(await unit.session.connection(), requests, keyring=keyring)
        _wake_after_commit(unit, on_queued)

    return worker


def _wake_after_commit(unit: Unit, wake: Callable[[], None]) -> None:
    session = unit.session
    if not session.info.get("notify_wake"):
        session.info["notify_wake"] = True
        sa_event.listen(session.sync_session, "after_commit", lambda _session: wake(), once=True)
