"""docker-compose.yml cannot run here (no Docker engine), so its agreement with the code is checked:
services, ports, every BANCHENG_* variable against the settings classes, production bus settings,
Prometheus targets, gateway routes, and the traces' way to Jaeger through the collector."""

import importlib
import re
from pathlib import Path

import pytest
import yaml

from shared import tracing
from shared.devstack import DEFAULT_PORTS, SERVICES
from shared.settings import REPO_ROOT, KafkaSettings

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)(?::\?[^}]*)?\}")


def settings_class(service: str) -> type:
    return importlib.import_module(f"services.{service}.config").get_settings.__annotations__["return"]


def environment(service: str) -> dict[str, str]:
    values = {name: str(value) for name, value in COMPOSE["services"][service]["environment"].items()}
    secrets = {"POSTGRES_PASSWORD": "pw", "BANCHENG_SIGNING_SECRET": "a-production-secret"}
    return {name: PLACEHOLDER.sub(lambda m: secrets[m.group(1)], value) for name, value in values.items()}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_its_module_on_its_default_port(service: str) -> None:
    definition = COMPOSE["services"][service]
    port = DEFAULT_PORTS[service]
    assert definition["command"] == ["python", "-m", f"services.{service}"]
    assert definition["ports"] == [f"{port}:{port}"]
    assert settings_class(service).model_fields["port"].default == port
    assert environment(service)[f"BANCHENG_{service.upper()}_PORT"] == str(port)


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_is_a_setting_and_the_settings_load_in_production(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = settings_class(service)
    prefix = f"BANCHENG_{service.upper()}_"
    for name, value in environment(service).items():
        if name.startswith("OTEL_"):
            continue  # OpenTelemetry's own settings: test_services_send_traces_through_the_collector_to_jaeger
        if name.startswith("BANCHENG_KAFKA_"):
            assert name.removeprefix("BANCHENG_KAFKA_").lower() in KafkaSettings.model_fields, name
        else:
            assert name.startswith(prefix) and name.removeprefix(prefix).lower() in own.model_fields, name
        monkeypatch.setenv(name, value)
    settings = own()
    assert settings.environment == "production"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.database_url.endswith(f"/bancheng_{service}")


def test_bus_runs_with_production_guarantees(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in environment("intake").items():
        monkeypatch.setenv(name, value)
    kafka = KafkaSettings()
    assert (kafka.idempotence, kafka.acks, kafka.replication_factor) == (True, "all", 3)
    assert kafka.session_timeout_ms >= 6000  # Apache Kafka's group.min.session.timeout.ms
    brokers = [name for name in COMPOSE["services"] if name.startswith("kafka-")]
    assert len(brokers) == 3
    for name in brokers:
        env = COMPOSE["services"][name]["environment"]
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2 and env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_prometheus_scrapes_and_the_gateway_routes_every_service() -> None:
    prometheus = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus.yml").read_text())
    targets = {t for job in prometheus["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert targets == {f"{name}:{port}" for name, port in DEFAULT_PORTS.items()}
    gateway = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    routes = dict(re.findall(r"location /(\w+)/\s+\{ proxy_pass http://(\w+:\d+)/; \}", gateway))
    assert routes == {name: f"{name}:{port}" for name, port in DEFAULT_PORTS.items()}


def test_files_the_compose_file_mounts_exist() -> None:
    for path in ("deploy/Dockerfile", "deploy/prometheus.yml", "deploy/nginx.conf", "deploy/postgres-init.sql",
                 "deploy/otel-collector.yaml"):
        assert (REPO_ROOT / path).is_file(), path
    assert Path(COMPOSE["secrets"]["audit_signing_key"]["file"]).parts[:2] == ("deploy", "secrets")


@pytest.mark.parametrize("service", SERVICES)
def test_services_send_traces_through_the_collector_to_jaeger(service: str) -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    env = environment(service)
    assert "otel-collector" in COMPOSE["services"][service]["depends_on"]
    assert tracing.exporter_names(env) == ["otlp"]  # the settings turn tracing on, and name a known protocol
    assert isinstance(tracing.exporter("otlp", env), OTLPSpanExporter)
    endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert endpoint == "http://otel-collector:4317"  # gRPC: the collector's grpc receiver below

    collector = COMPOSE["services"]["otel-collector"]
    assert collector["image"].startswith("otel/opentelemetry-collector-contrib:")
    source, mounted = collector["volumes"][0].removesuffix(":ro").split(":")
    assert source == "./deploy/otel-collector.yaml" and collector["command"] == [f"--config={mounted}"]
    config = yaml.safe_load((REPO_ROOT / "deploy" / "otel-collector.yaml").read_text())
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].endswith(":4317")
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    assert set(pipeline["processors"]) <= set(config["processors"])
    (exporter,) = pipeline["exporters"]
    assert exporter.split("/")[0] in ("otlp", "otlp_grpc")
    assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"  # Jaeger v2 takes OTLP/gRPC there
    jaeger = COMPOSE["services"]["jaeger"]
    assert jaeger["image"].startswith("jaegertracing/jaeger:2.") and "16686:16686" in jaeger["ports"]
