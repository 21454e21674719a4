"""Every Deployment: probes, resources, a locked-down pod, a PodDisruptionBudget and an autoscaler bounded
by the partitions of what it consumes; every service of the code has one; secrets only by reference;
the overlays differ as the README says."""

import re

import pytest

from shared.dev.stack import DEFAULT_PORTS
from shared.settings import REPO_ROOT
from tests.unit.k8s.manifests import (
    OVERLAYS,
    PORTS,
    Manifest,
    Rendered,
    acls,
    consumers,
    container_env,
    render,
    service_deployments,
)


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_labels(deployment: Manifest) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"]["labels"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_runs_its_module_on_its_port_from_the_one_image(overlay: str) -> None:
    rendered = render(overlay)
    deployments = {d["metadata"]["name"]: d for d in service_deployments(rendered)}
    assert deployments.keys() == PORTS.keys() and DEFAULT_PORTS.items() <= PORTS.items()
    images = set()
    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", f"services.{name}"]
        assert container["ports"] == [{"name": "http", "containerPort": PORTS[name]}]
        images.add(container["image"])
        service = rendered.one("Service", name)
        assert service["spec"]["ports"] == [{"name": "http", "port": PORTS[name], "targetPort": "http"}]
        assert selects(service["spec"]["selector"], pod_labels(deployment))
    assert len(images) == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_probes_resources_and_a_locked_down_pod(overlay: str) -> None:
    for deployment in render(overlay).of("Deployment"):
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        tmp = [v["name"] for v in pod["volumes"] if "emptyDir" in v]
        for container in pod["containers"]:
            where = f"{name}/{container['name']}"
            paths = {
                kind: container[kind]["httpGet"]["path"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")
            }
            if name in PORTS:
                assert paths == {
                    "startupProbe": "/healthz",
                    "livenessProbe": "/healthz",
                    "readinessProbe": "/readyz",
                }, where
            else:
                assert set(paths) == {"startupProbe", "livenessProbe", "readinessProbe"}, where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= container["resources"][bound].keys(), where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert any(m["mountPath"] == "/tmp" and m["name"] in tmp for m in container["volumeMounts"]), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_a_disruption_budget_and_an_autoscaler(overlay: str) -> None:
    rendered = render(overlay)
    for deployment in rendered.of("Deployment"):
        name = deployment["metadata"]["name"]
        budgets = [p for p in rendered.of("PodDisruptionBudget")
                   if selects(p["spec"]["selector"]["matchLabels"], pod_labels(deployment))]
        assert len(budgets) == 1, name
        scalers = [h for h in rendered.of("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name]
        assert len(scalers) == 1 and scalers[0]["spec"]["scaleTargetRef"]["kind"] == "Deployment", name
        assert 1 <= scalers[0]["spec"]["minReplicas"] <= scalers[0]["spec"]["maxReplicas"], name


def consumed_topics(rendered: Rendered, service: str) -> set[str]:
    """What the service reads: its consumers in the code, and what its KafkaUser may read."""
    from_code = {topic for c in consumers() if c.service == service for topic in c.topics}
    user = [u for u in rendered.of("KafkaUser") if u["metadata"]["name"] == service]
    from_acls = set()
    for acl in (acls(user[0]) if user else ()):
        resource = acl["resource"]
        if resource["type"] == "topic" and "Read" in acl["operations"]:
            if resource["patternType"] == "prefix":
                from_acls |= {t for t in rendered.topics() if t.startswith(resource["name"])}
            else:
                from_acls.add(resource["name"])
    return from_code | from_acls


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_autoscaler_goes_past_the_partitions_of_what_it_consumes(overlay: str) -> None:
    """A consumer group gives each partition to one member: members past the partition count sit idle."""
    rendered = render(overlay)
    partitions = {name: topic["spec"]["partitions"] for name, topic in rendered.topics().items()}
    for service in PORTS:
        read = consumed_topics(rendered, service)
        assert read <= partitions.keys(), f"{service} reads topics without a KafkaTopic: {read - partitions.keys()}"
        scaler = rendered.one("HorizontalPodAutoscaler", service)
        if read:
            assert scaler["spec"]["maxReplicas"] <= min(partitions[t] for t in read), service


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_written(overlay: str) -> None:
    rendered = render(overlay)
    assert rendered.of("Secret") == []
    for deployment in rendered.of("Deployment"):
        for name, value in container_env(deployment, rendered).items():
            if re.search("PASSWORD|SECRET|TOKEN", name):
                assert isinstance(value, dict) and "secretKeyRef" in value, f"{deployment['metadata']['name']}: {name}"
            if isinstance(value, str):
                assert "://" not in value or "@" not in value or "$(DATABASE_PASSWORD)" in value, name


def test_dev_runs_one_of_everything_on_one_replica() -> None:
    rendered = render("dev")
    assert {d["spec"]["replicas"] for d in rendered.of("Deployment")} == {1}
    assert {t["spec"]["replicas"] for t in rendered.of("KafkaTopic")} == {1}
    assert {t["spec"]["config"]["min.insync.replicas"] for t in rendered.of("KafkaTopic")} == {1}
    assert rendered.one("KafkaNodePool", "dual-role")["spec"]["replicas"] == 1
    assert rendered.one("Kafka", "bancheng")["spec"]["kafka"]["config"]["default.replication.factor"] == 1
    assert rendered.one("Cluster", "bancheng-pg")["spec"]["instances"] == 1
    assert rendered.config_map_data("bancheng-bus")["BANCHENG_KAFKA_REPLICATION_FACTOR"] == "1"
    for deployment in service_deployments(rendered):
        assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "50m"


def test_prod_runs_two_or_more_of_everything_with_replication_three() -> None:
    rendered = render("prod")
    assert all(d["spec"]["replicas"] >= 2 for d in rendered.of("Deployment"))
    assert all(h["spec"]["minReplicas"] >= 2 for h in rendered.of("HorizontalPodAutoscaler"))
    assert [p["spec"] for p in rendered.of("PodDisruptionBudget") if p["spec"].get("minAvailable") != 1] == []
    assert {t["spec"]["replicas"] for t in rendered.of("KafkaTopic")} == {3}
    assert {t["spec"]["config"]["min.insync.replicas"] for t in rendered.of("KafkaTopic")} == {2}
    assert rendered.one("KafkaNodePool", "dual-role")["spec"]["replicas"] == 3
    config = rendered.one("Kafka", "bancheng")["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (3, 2)
    assert config["auto.create.topics.enable"] is False and config["unclean.leader.election.enable"] is False
    assert rendered.one("Cluster", "bancheng-pg")["spec"]["instances"] == 3
    assert rendered.config_map_data("bancheng-bus")["BANCHENG_KAFKA_REPLICATION_FACTOR"] == "3"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_routes_every_service_and_keeps_metrics_inside(overlay: str) -> None:
    rendered = render(overlay)
    config = next(c for c in rendered.of("ConfigMap") if c["metadata"]["name"].startswith("gateway-"))
    nginx = config["data"]["nginx.conf"]
    routes = dict(re.findall(r"location /(\w+)/\s+\{ proxy_pass http://(\w+:\d+)/;", nginx))
    assert routes == {name: f"{name}:{port}" for name, port in PORTS.items()}
    compose_routes = dict(re.findall(r"location /(\w+)/\s+\{ proxy_pass http://(\w+:\d+)/; \}",
                                     (REPO_ROOT / "deploy" / "nginx.conf").read_text()))
    assert compose_routes.items() <= routes.items()
    assert "location ~ ^/[a-z]+/metrics$ { return 404; }" in nginx
    assert re.search(r"location = /intake/status-lookup \{ limit_req zone=status_lookup [^}]*"
                     r"proxy_pass http://intake:8101/status-lookup; \}", nginx)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # the client's, not a list it may forge
    intake = container_env(rendered.one("Deployment", "intake"), rendered)
    assert intake["FORWARDED_ALLOW_IPS"] == "*"
    ingress = rendered.one("Ingress", "gateway")
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "gateway"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_config_map_a_pod_names_is_rendered_with_its_keys(overlay: str) -> None:
    rendered = render(overlay)
    data = {c["metadata"]["name"]: c["data"] for c in rendered.of("ConfigMap")}
    for deployment in rendered.of("Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            for source in container.get("envFrom", ()):
                assert source["configMapRef"]["name"] in data
            for entry in container.get("env", ()):
                reference = entry.get("valueFrom", {}).get("configMapKeyRef")
                if reference:
                    assert reference["key"] in data[reference["name"]], entry["name"]
        for volume in pod.get("volumes", ()):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in data
