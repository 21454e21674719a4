"""plan(): from one event to the deliveries it calls for, each with a deterministic id for dedupe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from shared.clock import as_utc, require_aware

from .model import Audience, ChannelName, Delivery, NotificationContext, TemplateValue
from .rules import Contact, DistrictRules, RecipientRule, RuleBook

_DELIVERY_NAMESPACE = uuid.UUID("6f1d3c52-8d0e-4b7a-9a55-0b7d2c1e9f30")


def delivery_id_for(*, event_id: str, recipient_id: str, channel: ChannelName) -> str:
    """The same (event, recipient, channel) always gives the same id, so a redelivered event dedupes."""
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"{event_id}\x1f{recipient_id}\x1f{channel.value}"))


@dataclass(frozen=True, slots=True)
class _Recipient:
    id: str
    name: str
    contact: Contact | None  # None for the citizen and the hotline: their addresses come from the case


def plan(
    *, rules: RuleBook | DistrictRules, event_type: str, context: NotificationContext, now: datetime
) -> list[Delivery]:
    """The deliveries `event_type` calls for under the case's district rules (or the one district's rules given);
    [] if none apply.

    Citizens' channels with nothing on file are skipped (they chose not to give it); staff channels
    with no address are still planned with address None so the gap fails visibly with its reason.
    """
    require_aware(now, field="now")
    district = rules if isinstance(rules, DistrictRules) else rules.for_district(context.district)
    deliveries: dict[str, Delivery] = {}
    for rule in district.for_event(event_type):
        for recipient in _recipients(rule.audience, context, district):
            for channel in rule.channels:
                address = _address(rule.audience, recipient, channel, context)
                if address is None and rule.audience is Audience.citizen:
                    continue
                delivery = _delivery(rule, recipient, channel, address, event_type, context, district, now)
                deliveries.setdefault(delivery.delivery_id, delivery)
    return list(deliveries.values())


def _recipients(
    audience: Audience, context: NotificationContext, district: DistrictRules
) -> Iterator[_Recipient]:
    contacts = district.contacts
    match audience:
        case Audience.citizen:
            name = context.citizen.name if context.citizen and context.citizen.name else ""
            yield _Recipient(id=f"citizen:{context.case_id}", name=name, contact=None)
        case Audience.hotline:
            if context.hotline_ticket_id:
                yield _Recipient(id="hotline:12345", name="12345", contact=None)
        case Audience.lead_department:
            if context.lead_department:
                yield _department(context.lead_department, contacts.departments)
        case Audience.assisting_departments:
            for code in context.assisting_departments:
                yield _department(code, contacts.departments)
        case Audience.hall_supervisor:
            hall = context.hall_id or "unknown"
            contact = contacts.hall_supervisors.get(hall)
            name = contact.name if contact else hall
            yield _Recipient(id=f"hall_supervisor:{hall}", name=name, contact=contact)
        case Audience.district_supervisor:
            contact = contacts.district_supervisor
            yield _Recipient(
                id=f"district_supervisor:{district.district}",
                name=contact.name if contact else district.district,
                contact=contact,
            )


def _department(code: str, departments: dict[str, Contact]) -> _Recipient:
    contact = departments.get(code)
    return _Recipient(id=f"department:{code}", name=contact.name if contact else code, contact=contact)


def _address(
    audience: Audience, recipient: _Recipient, channel: ChannelName, context: NotificationContext
) -> str | None:
    if channel is ChannelName.file:
        return recipient.id  # the development sink records who it was for
    if audience is Audience.hotline:
        return context.hotline_ticket_id
    if audience is Audience.citizen:
        citizen = context.citizen
        if citizen is None:
            return None
        return citizen.phone if channel is ChannelName.sms else citizen.email
    return recipient.contact.address(channel) if recipient.contact else None


def _delivery(
    rule: RecipientRule,
    recipient: _Recipient,
    channel: ChannelName,
    address: str | None,
    event_type: str,
    context: NotificationContext,
    district: DistrictRules,
    now: datetime,
) -> Delivery:
    not_before = as_utc(now, field="now")
    quiet = district.quiet_hours
    if quiet and not context.green_channel and quiet.applies_to(audience=rule.audience, channel=channel):
        not_before = quiet.release_time(now)
    variables: dict[str, TemplateValue] = {
        **context.variables,
        "case_number": context.case_number,
        "recipient_name": recipient.name,
    }
    if context.lead_department:
        lead = district.contacts.departments.get(context.lead_department)
        variables.setdefault("lead_department_name", lead.name if lead else context.lead_department)
    return Delivery(
        delivery_id=delivery_id_for(event_id=context.event_id, recipient_id=recipient.id, channel=channel),
        event_id=context.event_id,
        event_type=event_type,
        case_id=context.case_id,
        audience=rule.audience,
        recipient_id=recipient.id,
        recipient_name=recipient.name,
        channel=channel,
        address=address,
        template=rule.template,
        variables=variables,
        hotline_status=rule.hotline_status,
        hotline_figures=(context.hotline_figures or None) if rule.audience is Audience.hotline else None,
        not_before=not_before,
    )
