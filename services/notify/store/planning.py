"""Planning in the handler's transaction: recorded triggers become delivery requests on channel topics.

Planning is repeatable: delivery ids are deterministic per (event, recipient, channel) and a request
is staged only for ids not yet in the delivery table, so a redelivered event, or the same trigger
planned again when the citizen's contact or the case number arrives late, adds only what is new.
A batch's triggers are planned in memory first (`plan_trigger`), then requested together
(`request_new`): one query for the ids already known, one insert for the new deliveries.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.consuming import Unit
from shared.envelope import Envelope
from shared.events.case import open_code
from shared.events.notification import NotificationFailed, NotificationRequested, RequestedMessage, seal_message
from shared.personal_data import Keyring
from shared.topics import NOTIFY_RESULTS, channel_topic
from services.notify.domain.compose import compose
from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.model import (
    Audience,
    ChannelName,
    CitizenContact,
    Delivery,
    NotificationContext,
    TemplateValue,
)
from services.notify.domain.planner import plan
from services.notify.domain.rules import DistrictRules, EventRule, RecipientRule
from services.notify.domain.templates import TemplateError
from services.notify.domain.triggers import Trigger, order_kind
from services.notify.store import tables
from services.notify.store.casebook import Row
from services.notify.store.personal_data import CONTACT_FIELDS, contact_context, seal_request

log = logging.getLogger(__name__)
SUMMARY_CHARS = 80
DEADLINE_UNKNOWN = "待定 / to be set"  # not armed yet (a citizen's message before the case's deadline)
DEADLINE_PAUSED = "暂停计时 / clock paused"
DELIVERY = tables.Delivery.__table__


@dataclass(frozen=True, slots=True)
class Planned:
    """A delivery a trigger calls for, with what its request is staged under."""

    delivery: Delivery
    cause: Envelope  # the event being handled when it was planned
    district: str
    hall: str | None


def plan_trigger(
    record: Row,
    facts: Row,
    contact: Row | None,
    config: NotifyConfig,
    *,
    cause: Envelope,
    keyring: Keyring,
) -> list[Planned]:
    """The deliveries `record` calls for now (marked planned); `request_new` stages the new ones. The
    citizen's contact is opened here, to address and compose them."""
    trigger = Trigger.load(record.trigger)
    citizen = None
    if contact is not None:
        citizen = CitizenContact(**{name: keyring.open_optional(getattr(contact, name), context=contact_context(
            name, record.case_id)) for name in CONTACT_FIELDS})
    context = _context(record, trigger, facts, citizen, config)
    deliveries = plan(rules=config.rules, event_type=trigger.rule_key, context=context, now=datetime.now(UTC))
    record.planned = True
    return [Planned(delivery, cause, facts.district, facts.hall) for delivery in deliveries]


async def request_new(
    session: AsyncSession, service: str, planned: list[Planned], config: NotifyConfig, *, keyring: Keyring
) -> int:
    """Stage the requests of the deliveries not in the table yet, in order; returns how many were new."""
    if not planned:
        return 0
    connection = await session.connection()
    ids = [p.delivery.delivery_id for p in planned]
    known = set((await connection.execute(
        select(DELIVERY.c.delivery_id).where(DELIVERY.c.delivery_id.in_(ids)))).scalars())
    rows, now = [], datetime.now(UTC)
    for item in planned:
        if item.delivery.delivery_id not in known:
            known.add(item.delivery.delivery_id)
            unit = Unit(session=session, service=service, cause=item.cause)
            rows.append(await _request(unit, item, config, now, keyring=keyring))
    if rows:
        await connection.execute(insert(DELIVERY), rows)
    return len(rows)


async def _request(unit: Unit, item: Planned, config: NotifyConfig, now: datetime, *,
                   keyring: Keyring) -> dict[str, Any]:
    """Stage the delivery's request (or its failure to compose); returns its row."""
    delivery = item.delivery
    row = {
        "delivery_id": delivery.delivery_id, "case_id": delivery.case_id, "channel": delivery.channel.value,
        "recipient": delivery.recipient_id, "template": delivery.template, "event_type": delivery.event_type,
        "state": "requested", "attempts": 0, "due_at": None, "last_error": None, "request": None,
        "created_at": now, "delivered_at": None,
    }
    where = {"case_id": delivery.case_id, "district": item.district, "hall": item.hall}
    try:
        message = compose(delivery, templates=config.templates)
    except TemplateError as error:
        # Never a silent drop: the delivery is recorded as failed with the reason, and audit hears of it.
        log.warning("delivery %s not composed: %s", delivery.delivery_id, error)
        await unit.emit(
            NotificationFailed(delivery_id=delivery.delivery_id, channel=delivery.channel.value,
                               recipient=delivery.recipient_id, attempts=0, reason=str(error), final=True),
            topic=NOTIFY_RESULTS, **where,
        )
        return {**row, "state": "failed", "last_error": str(error)}
    request = await unit.emit(
        NotificationRequested(
            delivery_id=delivery.delivery_id, channel=delivery.channel.value, recipient=delivery.recipient_id,
            template=delivery.template, trigger_event_id=delivery.event_id, trigger_event_type=delivery.event_type,
            sealed_message=seal_message(keyring, RequestedMessage(
                address=delivery.address, recipient_name=delivery.recipient_name, subject=message.subject,
                body=message.text, markdown=message.markdown), delivery_id=delivery.delivery_id),
            case_number=str(delivery.variables["case_number"]),
            hotline_status=delivery.hotline_status.value if delivery.hotline_status else None,
            hotline_figures=delivery.hotline_figures,
            not_before=delivery.not_before,
        ),
        topic=channel_topic(delivery.channel.value), **where,
    )
    # Due when the request says (its order among a recipient's messages); the worker's queueing makes it sendable.
    sealed = seal_request(keyring, request.model_dump_json(), delivery_id=delivery.delivery_id)
    return {**row, "due_at": delivery.not_before, "request": sealed}


# Codes go by SMS unless the district's rules name other citizen channels (the demo district: the file sink).
CODE_RULE = "case.verification_code_requested"
DEFAULT_CODE_RULE = RecipientRule(audience=Audience.citizen, channels=(ChannelName.sms,), template="verification_code")


def code_deliveries(envelope: Envelope, config: NotifyConfig, keyring: Keyring) -> list[Planned]:
    """The delivery of a citizen's verification code to the phone it names, keyed by the verification id, on the
    channels the district's rule for it names (SMS without one). At once: quiet hours do not hold back a code the
    citizen is waiting for. A code notify cannot open (a wrong key) is dead-lettered, named."""
    event = envelope.event()
    opened = open_code(keyring, event, verification_id=envelope.case_id)
    minutes = max(1, round((event.expires_at - envelope.occurred_at).total_seconds() / 60))
    district = envelope.district
    known = config.rules.districts.get(district)
    chosen = (known.for_event(CODE_RULE) if known else ()) or (DEFAULT_CODE_RULE,)
    rules = DistrictRules(district=district, rules=(EventRule(event=CODE_RULE, notify=chosen),))
    context = NotificationContext(
        event_id=str(envelope.id), case_id=envelope.case_id, case_number="", district=district,
        citizen=CitizenContact(phone=opened.phone), variables={"code": opened.code, "valid_minutes": minutes})
    deliveries = plan(rules=rules, event_type=CODE_RULE, context=context,
                      now=datetime.now(UTC))
    return [Planned(delivery, envelope, district, None) for delivery in deliveries]


def _context(
    record: Row,
    trigger: Trigger,
    facts: Row,
    citizen: CitizenContact | None,
    config: NotifyConfig,
) -> NotificationContext:
    district = config.rules.for_district(facts.district)
    desk = district.halls.get(facts.hall or "")
    variables: dict[str, Any] = {
        "hall_name": desk.name if desk else (facts.hall or ""),
        "window_name": desk.window if desk else "办不成事反映窗口",
        "summary": (facts.summary or "")[:SUMMARY_CHARS],
        # A message about a work order shows that order's own deadline (a new order's waited for it:
        # `deadline_known`); the others are about the case.
        "deadline": _work_order_deadline(facts, trigger.work_order_id) if trigger.work_order_id
        else facts.case_due_at or DEADLINE_UNKNOWN,
        **order_kind(1),  # a trigger recorded before rounds existed was a first round's
    }
    if desk:  # no invented phone line: a hall without one fails its citizens' messages visibly
        variables["contact"] = desk.contact
    if facts.lead_department and trigger.only_departments:
        lead = district.contacts.departments.get(facts.lead_department)
        variables["lead_department_name"] = lead.name if lead else facts.lead_department
    variables.update(trigger.variables)
    lead = trigger.lead_department if trigger.only_departments else (trigger.lead_department or facts.lead_department)
    return NotificationContext(
        event_id=record.event_id, case_id=record.case_id, case_number=facts.case_number or "",
        district=facts.district, hall_id=facts.hall, green_channel=facts.green_channel,
        citizen=citizen,
        lead_department=lead, assisting_departments=trigger.assisting_departments,
        hotline_ticket_id=facts.hotline_ticket_id, hotline_figures=trigger.figures,
        variables=_template_values(variables),
    )


def deadline_known(record: Row, facts: Row) -> bool:
    """Whether `record` can be planned as far as deadlines go: a new work order's message waits until sla
    armed the order's deadline (the topics are read in no order, and a dispatch comes before its arming)."""
    return not record.trigger.get("await_deadline") or record.trigger["work_order_id"] in facts.work_order_deadlines


def _work_order_deadline(facts: Row, work_order_id: str) -> datetime | str:
    if work_order_id not in facts.work_order_deadlines:
        return DEADLINE_UNKNOWN  # an order armed before notify kept each order's deadline (cards carry their own)
    due_at = facts.work_order_deadlines[work_order_id]
    return datetime.fromisoformat(due_at) if due_at else DEADLINE_PAUSED


def _template_values(variables: dict[str, Any]) -> dict[str, TemplateValue]:
    return {k: _value(v) for k, v in variables.items() if v is not None}


def _value(value: Any) -> TemplateValue:
    return value if isinstance(value, (str, int, datetime)) else str(value)
