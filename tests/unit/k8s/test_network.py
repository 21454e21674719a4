"""NetworkPolicies, evaluated as the cluster would: default deny, then gateway → services, services →
broker, database and the identity provider's keys, Prometheus → the services' ports, notify alone out to
its providers; every pod covered."""

import ipaddress
from dataclasses import dataclass, field

import pytest

from tests.unit.k8s.manifests import OVERLAYS, PORTS, Manifest, Rendered, render, service_deployments


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    address: str = ""  # outside the cluster: only an ipBlock reaches it


HERE = "bancheng"
BROKER = Pod(HERE, {"strimzi.io/cluster": "bancheng", "strimzi.io/kind": "Kafka", "strimzi.io/name": "bancheng-kafka"})
DATABASE = Pod(HERE, {"cnpg.io/cluster": "bancheng-pg", "cnpg.io/instanceRole": "primary"})
PROMETHEUS = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
INGRESS_CONTROLLER = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
PROVIDER = Pod("", address="203.0.113.7")  # an SMS gateway, a robot's webhook: on the internet
OBJECT_STORE = Pod(HERE, {"v1.min.io/tenant": "bancheng-objects"})  # intake's attachments (MinIO's S3 API)


def matches(selector: dict, labels: dict[str, str]) -> bool:
    assert "matchExpressions" not in selector  # not used here; the evaluator would need them
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def peer_matches(peer: dict, pod: Pod) -> bool:
    if "ipBlock" in peer:
        if not pod.address:
            return False
        address = ipaddress.ip_address(pod.address)
        block = peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(excepted) for excepted in block.get("except", ()))
    if not pod.namespace:
        return False
    if "namespaceSelector" in peer:
        in_namespace = matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": pod.namespace})
    else:
        in_namespace = pod.namespace == HERE
    return in_namespace and matches(peer.get("podSelector", {}), pod.labels)


def allowed(policies: list[Manifest], direction: str, pod: Pod, peer: Pod, port: int) -> bool:
    """Whether `pod`'s policies let `peer` in (Ingress) or let `pod` out to `peer` (Egress) on `port`."""
    if pod.namespace != HERE:
        return True  # not ours to police
    isolating = [p for p in policies if matches(p["spec"]["podSelector"], pod.labels)
                 and direction in p["spec"]["policyTypes"]]
    if not isolating:
        return True
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in isolating:
        for rule in policy["spec"].get(key, ()):
            ports = rule.get("ports")
            if ports and not any(p["port"] == port for p in ports):
                continue
            peers = rule.get(peers_key)
            if not peers or any(peer_matches(p, peer) for p in peers):
                return True
    return False


def reaches(policies: list[Manifest], source: Pod, target: Pod, port: int) -> bool:
    return allowed(policies, "Egress", source, target, port) and allowed(policies, "Ingress", target, source, port)


def pods(rendered: Rendered) -> dict[str, Pod]:
    return {
        d["metadata"]["name"]: Pod(HERE, d["spec"]["template"]["metadata"]["labels"]) for d in rendered.of("Deployment")
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_denied_by_default_and_allowed_only_what_it_needs(overlay: str) -> None:
    rendered = render(overlay)
    policies = rendered.of("NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")
            and not p["spec"].get("egress") and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}]
    assert len(deny) == 1
    for name, pod in pods(rendered).items():
        own = [p for p in policies if p is not deny[0] and p["spec"]["podSelector"] != {}
               and matches(p["spec"]["podSelector"], pod.labels)]
        assert {t for p in own for t in p["spec"]["policyTypes"]} == {"Ingress", "Egress"}, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_is_reached_from_the_ingress_and_reaches_every_service(overlay: str) -> None:
    rendered = render(overlay)
    policies, every = rendered.of("NetworkPolicy"), pods(rendered)
    assert reaches(policies, INGRESS_CONTROLLER, every["gateway"], 8080)
    for service, port in PORTS.items():
        assert reaches(policies, every["gateway"], every[service], port), service
        assert not reaches(policies, INGRESS_CONTROLLER, every[service], port), service
    assert not reaches(policies, every["gateway"], BROKER, 9093)
    assert not reaches(policies, every["gateway"], DATABASE, 5432)
    assert not reaches(policies, every["gateway"], PROVIDER, 443)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_reach_the_broker_the_database_and_the_issuer_only(overlay: str) -> None:
    rendered = render(overlay)
    policies, every = rendered.of("NetworkPolicy"), pods(rendered)
    for deployment in service_deployments(rendered):
        name = deployment["metadata"]["name"]
        pod = every[name]
        assert allowed(policies, "Egress", pod, BROKER, 9093), name  # the broker's ingress is Strimzi's
        assert reaches(policies, pod, DATABASE, 5432), name
        assert reaches(policies, pod, every["identity"], 8100), name
        assert reaches(policies, PROMETHEUS, pod, PORTS[name]), name
        assert reaches(policies, pod, PROVIDER, 443) == (name == "notify"), name
        assert allowed(policies, "Egress", pod, OBJECT_STORE, 9000) == (name == "intake"), name
        for other, port in PORTS.items():
            if other not in (name, "identity"):
                assert reaches(policies, pod, every[other], port) == (name == "console"), (name, other)
    assert not reaches(policies, PROMETHEUS, DATABASE, 5432)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_services_are_the_brokers_listeners_peers(overlay: str) -> None:
    rendered = render(overlay)
    [listener] = rendered.one("Kafka", "bancheng")["spec"]["kafka"]["listeners"]
    [peer] = listener["networkPolicyPeers"]
    every = pods(rendered)
    assert all(matches(peer["podSelector"], every[name].labels) for name in PORTS)
    assert not matches(peer["podSelector"], every["gateway"].labels)
