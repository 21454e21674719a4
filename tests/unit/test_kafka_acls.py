"""The bus's ACLs (deploy/kafka/acls.txt, applied by kafka-init) give each principal exactly the topics
and groups shared/topics.py says it owns, and that table agrees with the services' real consumers and
with the producers of the event contracts. The dev broker enforces no ACLs: this is the check."""

import re

import pytest

from shared import topics
from shared.asyncapi import streams_of
from shared.events import registered_events
from shared.kafka_acls import Acl, acls, department_codes
from shared.settings import REPO_ROOT
from shared.topics import CHANNEL, DEPARTMENT, DEPARTMENT_SYSTEM, SERVICE_PRINCIPALS
from services.asyncapi import SERVICES, service_subscriptions
from services.notify.domain.model import ChannelName

DEPARTMENTS_FILE = REPO_ROOT / "shared" / "districts" / "packs" / "demo" / "catalogue.yaml"
CODES = department_codes(DEPARTMENTS_FILE)
CHANNELS = [channel.value for channel in ChannelName]
COMMITTED = [Acl.parse(line) for line in (REPO_ROOT / "deploy" / "kafka" / "acls.txt").read_text().splitlines()]


def concrete(names: tuple[str, ...], codes: list[str] = CODES) -> set[str]:
    """Every real name a templated one stands for: each department, each notification channel."""
    found = set()
    for name in names:
        for code in codes if DEPARTMENT in name else [None]:
            for channel in CHANNELS if CHANNEL in name else [None]:
                found.add(name.replace(DEPARTMENT, code or "").replace(CHANNEL, channel or ""))
    return found


ALL_GROUPS = {group for p in SERVICE_PRINCIPALS.values() for group in concrete(p.groups)}
UNIVERSE = {
    *topics.EVENT_STREAMS, topics.CASE_CONTACTS, topics.DEPARTMENT_COMMANDS,
    *(topics.department_topic(code) for code in [*CODES, "a_new_department"]),
    *(topics.channel_topic(channel) for channel in CHANNELS),
    *(topics.dead_letter_topic(group) for group in ALL_GROUPS),
}


def allowed(principal: str, operation: str, resource: str, name: str) -> bool:
    """As the StandardAuthorizer decides for our ACLs (allow only, literal or prefixed)."""
    return any(
        acl.principal == principal and acl.operation == operation and acl.resource == resource
        and (acl.name == name if acl.pattern == "literal" else name.startswith(acl.name))
        for acl in COMMITTED
    )


def reach(principal: str, operation: str, resource: str = "topic", names: set[str] = UNIVERSE) -> set[str]:
    return {name for name in names if allowed(principal, operation, resource, name)}


def test_committed_acls_are_generated_from_the_ownership_table() -> None:
    assert acls(CODES) == COMMITTED, (
        "deploy/kafka/acls.txt is stale: python -m shared.kafka_acls "
        "shared/districts/packs/demo/catalogue.yaml > deploy/kafka/acls.txt"
    )


@pytest.mark.parametrize("service", sorted(SERVICE_PRINCIPALS))
def test_a_service_writes_what_it_produces_and_reads_what_it_consumes_and_nothing_more(service: str) -> None:
    owned = SERVICE_PRINCIPALS[service]
    dead_letters = {topics.dead_letter_topic(group) for group in concrete(owned.groups)}
    assert reach(service, "WRITE") == concrete(owned.produces) | dead_letters
    assert reach(service, "CREATE") == concrete(owned.produces) | dead_letters
    assert reach(service, "READ") == concrete(owned.consumes) | concrete(owned.follows)
    assert reach(service, "READ", "group", ALL_GROUPS | {"someone-else"}) == concrete(owned.groups)


@pytest.mark.parametrize("code", CODES)
def test_a_department_system_reads_only_its_own_feed_and_writes_only_commands(code: str) -> None:
    principal = topics.department_principal(code)
    assert reach(principal, "READ") == {topics.department_topic(code)}
    assert reach(principal, "WRITE") == {topics.DEPARTMENT_COMMANDS}
    assert reach(principal, "CREATE") == set()
    assert reach(principal, "READ", "group", {f"dept-{c}" for c in CODES} | ALL_GROUPS) == {f"dept-{code}"}


def test_personal_contacts_travel_from_intake_to_notify_only() -> None:
    principals = {acl.principal for acl in COMMITTED}
    assert {p for p in principals if allowed(p, "WRITE", "topic", topics.CASE_CONTACTS)} == {"intake"}
    assert {p for p in principals if allowed(p, "READ", "topic", topics.CASE_CONTACTS)} == {"notify"}


def test_no_principal_beyond_the_services_and_the_department_systems() -> None:
    expected = set(SERVICE_PRINCIPALS) | {topics.department_principal(code) for code in CODES}
    granted = {acl.principal for acl in COMMITTED}
    assert granted <= expected
    assert reach("console", "READ") == {topics.CASE_EVENTS, topics.WORKORDER_EVENTS, topics.SLA_EVENTS}
    assert reach("console", "WRITE") == set() and reach("console", "READ", "group", ALL_GROUPS) == set()
    assert "identity" in granted  # its login events, for audit
    assert all(acl.operation in {"READ", "WRITE", "CREATE", "DESCRIBE"} for acl in COMMITTED)


def template(name: str) -> str:
    """A concrete consumer topic or group back to its ownership-table form (one channel → {channel})."""
    for channel in CHANNELS:
        name = re.sub(rf"(?<=[.]){re.escape(channel)}$", CHANNEL, name)
    return name


@pytest.mark.parametrize("service", SERVICES)
def test_ownership_names_the_groups_and_topics_the_services_really_consume(service: str) -> None:
    subscriptions = [
        (group, group_topics) for owner, group, group_topics in service_subscriptions() if owner == service
    ]
    assert {template(group) for group, _ in subscriptions} == set(SERVICE_PRINCIPALS[service].groups)
    consumed = {template(topic) for _, group_topics in subscriptions for topic in group_topics}
    assert consumed == set(SERVICE_PRINCIPALS[service].consumes)


def test_ownership_names_the_producer_of_every_event_contract_and_no_other_topic() -> None:
    produced: dict[str, set[str]] = {}
    for event in registered_events().values():
        producer, addresses = streams_of(event)
        produced.setdefault(producer, set()).update(addresses)
    assert produced.pop("departments") == set(DEPARTMENT_SYSTEM.produces)
    assert produced == {service: set(p.produces) for service, p in SERVICE_PRINCIPALS.items() if p.produces}
