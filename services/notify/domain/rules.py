"""District configuration: which events notify whom on which channels (notify's part of each district pack)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydantic import ValidationError, model_validator

from shared.districts import DistrictPack
from shared.districts.live import PackParts

from .model import Audience, ChannelName, Frozen, HotlineStatus
from .quiet_hours import QuietHours

CITIZEN_CHANNELS = frozenset({ChannelName.sms, ChannelName.email, ChannelName.file})
STAFF_CHANNELS = frozenset(ChannelName) - {ChannelName.hotline_12345}


class ConfigError(ValueError):
    """A district pack's rules or a template file that cannot be used; the message names it and the fault."""


class Contact(Frozen):
    """A department's or supervisor's addresses; a channel without one fails visibly when used."""

    name: str
    phone: str | None = None
    email: str | None = None
    wecom: str | None = None  # group robot webhook URL (its key is a secret: keep the file private)
    dingtalk: str | None = None  # group robot webhook URL with access_token
    webhook: str | None = None

    def address(self, channel: ChannelName) -> str | None:
        if channel is ChannelName.sms:
            return self.phone
        return getattr(self, channel.value, None)


class Contacts(Frozen):
    departments: dict[str, Contact] = {}
    hall_supervisors: dict[str, Contact] = {}
    district_supervisor: Contact | None = None


class HallDesk(Frozen):
    """A hall's reflection window as citizens' messages name it: where to come back, whom to call."""

    name: str
    window: str = "办不成事反映窗口"
    contact: str  # the window's own line, not a person's data


class RecipientRule(Frozen):
    audience: Audience
    channels: tuple[ChannelName, ...]
    template: str
    hotline_status: HotlineStatus | None = None

    @model_validator(mode="after")
    def _channels_fit_audience(self) -> RecipientRule:
        if self.audience is Audience.hotline:
            if self.channels != (ChannelName.hotline_12345,) or self.hotline_status is None:
                raise ValueError("the hotline audience takes channel hotline_12345 and a hotline_status")
            return self
        allowed = CITIZEN_CHANNELS if self.audience is Audience.citizen else STAFF_CHANNELS
        wrong = [c.value for c in self.channels if c not in allowed]
        if wrong:
            raise ValueError(f"channels {wrong} cannot reach audience {self.audience.value}")
        if self.hotline_status is not None:
            raise ValueError("hotline_status belongs to the hotline audience only")
        return self


class EventRule(Frozen):
    # An event's `type` string, optionally qualified by a variant: "sla.card_issued:yellow".
    event: str
    notify: tuple[RecipientRule, ...]


class DistrictRules(Frozen):
    district: str
    quiet_hours: QuietHours | None = None
    rules: tuple[EventRule, ...]
    contacts: Contacts = Contacts()
    halls: dict[str, HallDesk] = {}

    @model_validator(mode="after")
    def _one_rule_per_event(self) -> DistrictRules:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.event in seen:
                raise ValueError(f"event {rule.event} has two rules; merge them")
            seen.add(rule.event)
        return self

    def for_event(self, event_type: str) -> tuple[RecipientRule, ...]:
        for rule in self.rules:
            if rule.event == event_type:
                return rule.notify
        return ()

    def template_names(self) -> set[str]:
        return {r.template for rule in self.rules for r in rule.notify}


class RuleBook:
    """Every district's rules, one per district pack; each published version replaces its district's rules
    (a notice follows the rules in force when it is planned, whatever the case's version)."""

    def __init__(self, packs: Iterable[DistrictPack], *, known_templates: Collection[str]) -> None:
        self._known_templates = frozenset(known_templates)
        self._districts = PackParts(self._rules_of, packs)

    def _rules_of(self, pack: DistrictPack) -> DistrictRules:
        rules = notify_part(pack)
        missing = sorted(rules.template_names() - self._known_templates)
        if missing:
            raise ConfigError(f"district pack {pack.code}/notify.yaml: unknown templates {missing}")
        return rules

    def apply(self, pack: DistrictPack) -> None:
        """Put a published version's rules in force; ConfigError (nothing changed) if they do not fit."""
        self._districts.apply(pack)

    @property
    def districts(self) -> Mapping[str, DistrictRules]:
        return self._districts

    def for_district(self, district: str) -> DistrictRules:
        rules = self._districts.get(district)
        if rules is None:
            raise LookupError(f"no notification rules for district {district!r}: it has no pack")
        return rules


def parse_district_rules(data: Mapping[str, Any], *, where: str) -> DistrictRules:
    """Validate one district's rules; raises ConfigError naming `where` and the fault."""
    try:
        return DistrictRules.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{where}: {error}") from error


def _contact(contact: Any, default_name: str) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {**contact.model_dump(exclude_none=True), "name": contact.name or default_name}


def notify_part(pack: DistrictPack) -> DistrictRules:
    """notify's model of one (already validated) pack: its rules, and the addresses on its departments
    (department channels), halls (the window and the hall supervisor) and district supervisor."""
    notify = pack.notify
    departments = {d.code: _contact(d.contact, d.name_zh) for d in pack.departments if d.contact}
    supervisors = {h.code: _contact(h.supervisor, h.name_zh) for h in pack.halls if h.supervisor}
    data = {
        "district": pack.code,
        "quiet_hours": notify.quiet_hours.model_dump() if notify.quiet_hours else None,
        "rules": [rule.model_dump(exclude_none=True) for rule in notify.rules],
        "contacts": {"departments": departments, "hall_supervisors": supervisors,
                     "district_supervisor": _contact(notify.district_supervisor, pack.name_zh)},
        "halls": {h.code: {"name": h.name_zh, "window": h.window_zh, "contact": h.contact_phone} for h in pack.halls},
    }
    return parse_district_rules(data, where=f"district pack {pack.code}/notify.yaml")
