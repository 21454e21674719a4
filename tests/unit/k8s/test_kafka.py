"""The bus on Strimzi: a KafkaTopic for every topic the code knows, and a SCRAM user per service whose
ACLs match the code: it writes the topics it owns and its groups' dead letters, reads what it consumes
in its own groups, and nothing else."""

import re

import pytest

from shared import kafka_acls, topics
from tests.unit.k8s.manifests import (
    OVERLAYS,
    PORTS,
    Manifest,
    Rendered,
    acls,
    channels,
    consumers,
    department_codes,
    has_code,
    render,
    topics_the_code_knows,
    written_by_code,
)

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def granted(rendered: Rendered, user: Manifest, kind: str, operation: str) -> set[str]:
    """Names of `kind` the user may `operation`: literal names, and prefixes as the rendered topics (or the
    prefix itself, for groups) they cover."""
    names = set()
    for acl in acls(user):
        resource = acl["resource"]
        if resource["type"] != kind or operation not in acl["operations"]:
            continue
        if resource["patternType"] == "literal":
            names.add(resource["name"])
        elif kind == "topic":
            names |= {t for t in rendered.topics() if t.startswith(resource["name"])}
        else:
            names.add(resource["name"] + "*")
    return names


def group_granted(groups: set[str], group: str) -> bool:
    return group in groups or any(g.endswith("*") and group.startswith(g[:-1]) for g in groups)


def service_user(rendered: Rendered, service: str) -> Manifest:
    return rendered.one("KafkaUser", service)  # the principal docker-compose.yml's service logs in as


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_the_code_knows_has_a_kafka_topic(overlay: str) -> None:
    known = topics_the_code_knows()
    # what the code knows covers each family: streams, commands, contacts, channels, departments, dead letters
    assert {*topics.EVENT_STREAMS, topics.DEPARTMENT_COMMANDS, topics.CASE_CONTACTS} <= known
    assert {topics.channel_topic(c) for c in channels()} | {
        topics.dead_letter_topic(f"notify.{c}") for c in channels()
    } <= known
    assert topics.department_topic("market") in known and topics.dead_letter_topic("routing-commands") in known
    missing = known - render(overlay).topics().keys()
    assert missing == set()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_topics_belong_to_the_cluster_and_have_kubernetes_names(overlay: str) -> None:
    rendered = render(overlay)
    cluster = rendered.one("Kafka", "bancheng")["metadata"]["name"]
    for kind in ("KafkaTopic", "KafkaUser", "KafkaNodePool"):
        for resource in rendered.of(kind):
            assert resource["metadata"]["labels"]["strimzi.io/cluster"] == cluster
            assert DNS_SUBDOMAIN.match(resource["metadata"]["name"]), resource["metadata"]["name"]
    for name, topic in rendered.topics().items():
        assert name.startswith(topics.PREFIX + ".") and topic["spec"]["partitions"] >= 1
        assert int(topic["spec"]["config"]["retention.ms"]) > 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_writes_exactly_the_topics_its_code_produces(overlay: str) -> None:
    rendered = render(overlay)
    for service in PORTS:
        writes = granted(rendered, service_user(rendered, service), "topic", "Write")
        if has_code(service):
            owned = {topic for topic, writers in written_by_code().items() if service in writers}
            assert writes == owned, service
        for topic in writes:  # no topic has two writing services
            others = [
                s
                for s in PORTS
                if s != service and topic in granted(rendered, service_user(rendered, s), "topic", "Write")
            ]
            assert others == [], topic


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_reads_what_it_consumes_in_its_own_groups(overlay: str) -> None:
    rendered = render(overlay)
    for consumer in consumers():
        user = service_user(rendered, consumer.service)
        assert set(consumer.topics) <= granted(rendered, user, "topic", "Read"), consumer
        assert group_granted(granted(rendered, user, "group", "Read"), consumer.group), consumer
        for other in PORTS:
            if other != consumer.service:
                assert not group_granted(
                    granted(rendered, service_user(rendered, other), "group", "Read"), consumer.group
                )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_on_the_bus_may_see_every_event_stream_its_runtime_checks_at_start(overlay: str) -> None:
    rendered = render(overlay)
    for service in PORTS:
        user = service_user(rendered, service)
        if not acls(user):  # a service off the bus: no grant at all
            continue
        visible = set().union(*(granted(rendered, user, "topic", op) for op in ("Describe", "Read", "Write")))
        assert set(topics.EVENT_STREAMS) <= visible, service


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_reach_the_brokers_with_scram_over_tls(overlay: str) -> None:
    rendered = render(overlay)
    kafka = rendered.one("Kafka", "bancheng")["spec"]["kafka"]
    [listener] = kafka["listeners"]
    assert listener["tls"] is True and listener["authentication"]["type"] == "scram-sha-512"
    assert kafka["authorization"]["type"] == "simple"
    bus = rendered.config_map_data("bancheng-bus")
    assert bus["BANCHENG_KAFKA_BOOTSTRAP_SERVERS"] == f"bancheng-kafka-bootstrap:{listener['port']}"
    for user in rendered.of("KafkaUser"):
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"


def essential(grants: set[tuple[str, str, str, str, str]]) -> set[tuple[str, str, str, str, str]]:
    """(principal, operation, resource, pattern, name) less the DESCRIBEs a READ or WRITE implies."""
    return {g for g in grants if g[1] != "DESCRIBE"
            or not {(g[0], op, *g[2:]) for op in ("READ", "WRITE")} & grants}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_hand_written_acls_are_those_the_ownership_table_generates(overlay: str) -> None:
    """Two derivations of one policy agree: users.yaml, written from the code, and shared.kafka_acls,
    generated from shared.topics for docker-compose.yml. The cluster's users create no topic (KafkaTopics
    do), so the table's CREATE grants have no counterpart here."""
    rendered = render(overlay)
    generated = {(a.principal, a.operation, a.resource, a.pattern, a.name) for a in kafka_acls.acls(department_codes())
                 if a.operation != "CREATE"}
    principals = {g[0] for g in generated if not g[0].startswith("dept-")}
    assert principals == {"intake", "routing", "sla", "notify", "audit", "identity", "console"}
    assert [service for service in PORTS if service not in principals and acls(service_user(rendered, service))] == []
    written = set()
    for principal in principals:
        for acl in acls(service_user(rendered, principal)):
            resource = acl["resource"]
            pattern = {"literal": "literal", "prefix": "prefixed"}[resource["patternType"]]
            written |= {
                (principal, op.upper(), resource["type"], pattern, resource["name"]) for op in acl["operations"]
            }
    assert essential(written) == essential({g for g in generated if g[0] in principals})
