"""Notify's planner: case, work-order and SLA events become delivery requests on channel topics.

The citizen's contact arrives on its own topic, sealed under the transport key, in no order with the
case stream; it is kept sealed under notify's own key (personal_data.py); an event planned
before it is planned again when it arrives (only the citizen's deliveries are new).

A consumed batch is handled in one call: its cases are read once (casebook.py), each event is applied
in order in memory, and the batch's writes and requests go out together at the end.
"""

from functools import cache

from shared.consuming import Consumer, Fresh, Unit
from shared.envelope import Envelope
from shared.events import case, sla, workorder
from shared.events.base import Event
from shared.topics import CASE_CONTACTS, CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from services.notify import store
from services.notify.casebook import CaseBook, Row, new_row
from services.notify.config import get_settings
from services.notify.domain.config_files import NotifyConfig, load_notify_config
from services.notify.personal_data import CONTACT_FIELDS, contact_context, notify_keyring
from services.notify.planning import Planned, plan_trigger, request_new
from services.notify.triggers import learn, trigger_for

consumer = Consumer("notify", topics=[CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS, CASE_CONTACTS])

PLANNED_EVENTS = (
    case.CaseRegistered, case.CaseAccepted, case.CaseForwarded, case.CaseReplied, case.CallbackRecorded,
    case.CaseArchived, workorder.WorkOrderDispatched, workorder.WorkOrderReturned, workorder.WorkOrderEscalated,
    workorder.WorkOrderCancelled, workorder.PingPongDetected, sla.DeadlineArmed, sla.DeadlineWarned, sla.CardIssued,
)
HANDLED_TYPES = frozenset(event_class.type for event_class in (*PLANNED_EVENTS, case.CaseContactRecorded))


@cache
def notify_config() -> NotifyConfig:
    return load_notify_config(get_settings().data_dir, get_settings().districts_dir)


@consumer.on_every_batch
async def on_events_plan_notifications(fresh: Fresh, unit: Unit) -> None:
    """Each event updates the book of its case and plans what it triggers; the batch's requests are
    staged together at the end (see casebook.py for why reads come first and writes last)."""
    events = [(envelope, envelope.event()) for envelope, _record in fresh if envelope.type in HANDLED_TYPES]
    if not events:
        return
    connection = await unit.session.connection()
    book = await CaseBook.load(connection, (envelope.case_id for envelope, _ in events))
    config = notify_config()
    planned: list[Planned] = []
    for envelope, event in events:
        if isinstance(event, case.CaseContactRecorded):
            planned += _on_contact_recorded(book, event, envelope, config)
        else:
            planned += _on_case_event(book, event, envelope, config)
    await book.save(connection)
    await request_new(unit.session, unit.service, planned, config)


def _on_case_event(book: CaseBook, event: Event, envelope: Envelope, config: NotifyConfig) -> list[Planned]:
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
        record = new_row(store.TriggerRecord, event_id=str(envelope.id), case_id=envelope.case_id,
                         rule_key=trigger.rule_key, trigger=trigger.dump(), occurred_at=envelope.occurred_at)
        book.add_trigger(record)
    if facts.case_number is None:
        return []  # an SLA event before any case event: planned once the number is known
    # Triggers wait only while the number is unknown; once it is, each plans as it comes.
    waiting = [record] if number_was_known else book.triggers_of(envelope.case_id, planned=False)
    return _plan(book, [pending for pending in waiting if pending is not None], facts, config, envelope)


def _on_contact_recorded(
    book: CaseBook, event: case.CaseContactRecorded, envelope: Envelope, config: NotifyConfig
) -> list[Planned]:
    keyring = notify_keyring()
    opened = case.open_contact(keyring, event, case_id=envelope.case_id)  # a wrong key: dead-lettered, named
    contact = book.contact_of(envelope.case_id)
    for name in CONTACT_FIELDS:
        setattr(contact, name, keyring.seal_optional(getattr(opened, name), context=contact_context(name, envelope.case_id)))
    book.changed(contact)
    facts = book.facts.get(envelope.case_id)
    if facts is None or facts.case_number is None:
        return []  # the case's own events will plan with the contact on file
    return _plan(book, book.triggers_of(envelope.case_id, planned=True), facts, config, envelope)


def _plan(
    book: CaseBook, records: list[Row], facts: Row, config: NotifyConfig, cause: Envelope
) -> list[Planned]:
    planned = []
    for record in records:
        planned += plan_trigger(record, facts, book.contacts.get(record.case_id), config, cause=cause,
                                keyring=notify_keyring())
        book.changed(record)
    return planned
