"""District configuration: which events notify whom on which channels (loaded from YAML)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import yaml
from pydantic import ValidationError, model_validator

from .model import Audience, ChannelName, Frozen, HotlineStatus
from .quiet_hours import QuietHours

CITIZEN_CHANNELS = frozenset({ChannelName.sms, ChannelName.email, ChannelName.file})
STAFF_CHANNELS = frozenset(ChannelName) - {ChannelName.hotline_12345}
DEFAULT_DISTRICT = "default"


class ConfigError(ValueError):
    """A district or template file that cannot be used; the message names the file and the fault."""


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


class RuleBook(Frozen):
    """Every district's rules; districts without a file of their own use `default`."""

    districts: dict[str, DistrictRules]

    def for_district(self, district: str) -> DistrictRules:
        rules = self.districts.get(district) or self.districts.get(DEFAULT_DISTRICT)
        if rules is None:
            raise LookupError(f"no notification rules for district {district!r} and no default")
        return rules


def load_district_rules(path: Path) -> DistrictRules:
    """Parse one district file; raises ConfigError naming the file and the fault."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return DistrictRules.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise ConfigError(f"{path}: {error}") from error


def load_rule_book(folder: Path, *, known_templates: Collection[str]) -> RuleBook:
    """Load every `*.yaml` in `folder`; fail at startup if a rule names an unknown template."""
    districts: dict[str, DistrictRules] = {}
    for path in sorted(folder.glob("*.yaml")):
        rules = load_district_rules(path)
        if rules.district in districts:
            raise ConfigError(f"{path}: district {rules.district!r} is defined twice")
        missing = sorted(rules.template_names() - set(known_templates))
        if missing:
            raise ConfigError(f"{path}: unknown templates {missing}")
        districts[rules.district] = rules
    if not districts:
        raise ConfigError(f"{folder}: no district rule files")
    return RuleBook(districts=districts)
