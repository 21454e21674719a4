"""Notify's planner: case, work-order and SLA events become delivery requests on channel topics.

The citizen's contact arrives on its own topic, in no order with the case stream; an event planned
before it is planned again when it arrives (only the citizen's deliveries are new).
"""

from functools import cache

from sqlmodel import select

from shared.consuming import Consumer, Unit
from shared.envelope import Envelope
from shared.events import case, sla, workorder
from shared.events.base import Event
from shared.topics import CASE_CONTACTS, CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from services.notify import store
from services.notify.config import get_settings
from services.notify.domain.config_files import NotifyConfig, load_notify_config
from services.notify.planning import plan_trigger
from services.notify.triggers import learn, trigger_for

consumer = Consumer("notify", topics=[CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS, CASE_CONTACTS])

PLANNED_EVENTS = (
    case.CaseRegistered, case.CaseAccepted, case.CaseForwarded, case.CaseReplied, case.CallbackRecorded,
    case.CaseArchived, workorder.WorkOrderDispatched, workorder.WorkOrderReturned, workorder.WorkOrderEscalated,
    workorder.PingPongDetected, sla.DeadlineArmed, sla.DeadlineWarned, sla.CardIssued,
)


@cache
def notify_config() -> NotifyConfig:
    return load_notify_config(get_settings().data_dir)


async def on_case_event_plan_notifications(event: Event, envelope: Envelope, unit: Unit) -> None:
    facts = await unit.session.get(store.CaseFacts, envelope.case_id)
    if facts is None:
        facts = store.CaseFacts(case_id=envelope.case_id, district=envelope.district)
    number_was_known = facts.case_number is not None
    learn(facts, event)
    unit.session.add(facts)
    trigger = trigger_for(event, facts)
    config = notify_config()
    record = None
    if (
        trigger is not None
        and config.rules.for_district(facts.district).for_event(trigger.rule_key)
        and await unit.session.get(store.TriggerRecord, str(envelope.id)) is None  # replayed past the inbox
    ):
        record = store.TriggerRecord(event_id=str(envelope.id), case_id=envelope.case_id, rule_key=trigger.rule_key,
                                     trigger=trigger.dump(), occurred_at=envelope.occurred_at)
        unit.session.add(record)
    if facts.case_number is None:
        return  # an SLA event before any case event: planned once the number is known
    # Triggers wait only while the number is unknown; once it is, each plans as it comes.
    waiting = [record] if number_was_known else await _triggers(unit, envelope.case_id, planned=False)
    for pending in waiting:
        if pending is not None:
            await plan_trigger(unit, pending, facts, config)


for _event_class in PLANNED_EVENTS:
    consumer.on(_event_class)(on_case_event_plan_notifications)


@consumer.on(case.CaseContactRecorded)
async def on_contact_recorded_plan_the_citizens_messages(
    event: case.CaseContactRecorded, envelope: Envelope, unit: Unit
) -> None:
    contact = await unit.session.get(store.CitizenContact, envelope.case_id) or store.CitizenContact(case_id=envelope.case_id)
    contact.name, contact.phone, contact.email = event.name, event.phone, event.email
    unit.session.add(contact)
    facts = await unit.session.get(store.CaseFacts, envelope.case_id)
    if facts is None or facts.case_number is None:
        return  # the case's own events will plan with the contact on file
    for record in await _triggers(unit, envelope.case_id, planned=True):
        await plan_trigger(unit, record, facts, notify_config())


async def _triggers(unit: Unit, case_id: str, *, planned: bool) -> list[store.TriggerRecord]:
    """The case's recorded triggers, planned or waiting, oldest first."""
    await unit.session.flush()
    query = select(store.TriggerRecord).where(
        store.TriggerRecord.case_id == case_id, store.TriggerRecord.planned == planned
    )
    return list((await unit.session.exec(query.order_by(store.TriggerRecord.occurred_at))).all())
