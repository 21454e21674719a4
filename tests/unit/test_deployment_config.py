"""docker-compose.yml cannot run here (no Docker engine), so its agreement with the code is checked:
services, ports, every BANCHENG_* variable against the settings classes, production bus settings and
credentials, Prometheus targets, gateway routes, and the traces' way to Jaeger through the collector.
Keycloak: tests/unit/test_keycloak_realm.py; the bus's ACLs: tests/unit/test_kafka_acls.py."""

import importlib
import re
from pathlib import Path

import pytest
import yaml

from shared import tracing
from shared.dev.stack import DEFAULT_PORTS, SERVICES
from shared.personal_data import PersonalDataSettings
from shared.settings import REPO_ROOT, KafkaSettings

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::\?[^}]*)?\}")
# The token verifier's settings (env prefix BANCHENG_AUTH_), as docs/identity contract names them.
AUTH_SETTINGS = {"issuer", "audience", "jwks_url"}


def settings_class(service: str) -> type:
    return importlib.import_module(f"services.{service}.config").get_settings.__annotations__["return"]


def environment(service: str) -> dict[str, str]:
    """The service's variables as compose gives them, each ${SECRET} from .env standing as `secret-<name>`."""
    values = {name: str(value) for name, value in COMPOSE["services"][service]["environment"].items()}
    return {name: PLACEHOLDER.sub(lambda m: f"secret-{m.group(1).lower()}", value) for name, value in values.items()}


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
        elif name.startswith("BANCHENG_AUTH_"):
            assert name.removeprefix("BANCHENG_AUTH_").lower() in AUTH_SETTINGS, name
        elif name.startswith("BANCHENG_PII_"):
            assert name.removeprefix("BANCHENG_PII_").lower() in PersonalDataSettings.model_fields, name
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
    brokers = [name for name in COMPOSE["services"] if re.fullmatch(r"kafka-\d", name)]
    assert len(brokers) == 3
    for name in brokers:
        env = COMPOSE["services"][name]["environment"]
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2 and env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_its_own_scram_user_with_its_password_from_the_environment(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = COMPOSE["services"][service]["environment"]
    assert raw["BANCHENG_KAFKA_SASL_PASSWORD"].startswith(f"${{KAFKA_PASSWORD_{service.upper()}:?")
    for name, value in environment(service).items():
        monkeypatch.setenv(name, value)
    kafka = KafkaSettings()
    assert (kafka.security_protocol, kafka.sasl_mechanism, kafka.sasl_username) == (
        "SASL_PLAINTEXT", "SCRAM-SHA-512", service,
    )
    init = COMPOSE["services"]["kafka-init"]["environment"]
    assert init[f"KAFKA_PASSWORD_{service.upper()}"] == raw["BANCHENG_KAFKA_SASL_PASSWORD"]
    # kafka-init creates the fixed topics as the services would have
    assert (init["KAFKA_INIT_PARTITIONS"], init["KAFKA_INIT_REPLICATION_FACTOR"]) == (
        kafka.partitions, kafka.replication_factor,
    )
    assert COMPOSE["services"][service]["depends_on"]["kafka-init"] == {"condition": "service_completed_successfully"}


def broker_properties(env: dict[str, object]) -> dict[str, str]:
    """The server.properties the apache/kafka image writes from KAFKA_* variables (its ConvertKey:
    `_` → `.`, `__` → `_`, `___` → `-`, lower case)."""
    def key(name: str) -> str:
        dotted = re.sub(r"(?<=[^_])_(?=[^_])", ".", name.removeprefix("KAFKA_"))
        return dotted.replace("___", "-").replace("__", "_").lower()
    return {key(name): str(value) for name, value in env.items() if name.startswith("KAFKA_")}


def listeners(value: str) -> dict[str, str]:
    return dict(item.split("://") for item in value.split(","))


def test_brokers_authenticate_clients_and_authorize_every_request() -> None:
    for name in ("kafka-1", "kafka-2", "kafka-3"):
        broker = COMPOSE["services"][name]
        env = broker["environment"]
        protocols = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
        assert protocols == {"CONTROLLER": "PLAINTEXT", "INTERNAL": "PLAINTEXT", "CLIENT": "SASL_PLAINTEXT"}
        assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
        assert env["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
        assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
        assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] == "INTERNAL"
        assert env["KAFKA_SUPER_USERS"] == "User:ANONYMOUS"  # the inter-broker and controller principal
        bound = listeners(env["KAFKA_LISTENERS"])
        internal_host = f"{name}-internal"
        # The unauthenticated listeners answer only on the network no client joins.
        assert bound["INTERNAL"].startswith(f"{internal_host}:") and bound["CONTROLLER"] == f"{internal_host}:9093"
        assert listeners(env["KAFKA_ADVERTISED_LISTENERS"])["CLIENT"] == f"{name}:9092"
        assert broker["networks"]["kafka-internal"]["aliases"] == [internal_host]
        properties = broker_properties(env)
        assert properties["listener.name.client.scram-sha-512.sasl.jaas.config"] == (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        )
        assert properties["authorizer.class.name"].endswith("StandardAuthorizer")
        assert properties["allow.everyone.if.no.acl.found"] == "false"
    assert COMPOSE["networks"]["kafka-internal"]["internal"] is True
    for name, definition in COMPOSE["services"].items():
        if not re.fullmatch(r"kafka-\d|kafka-init", name):
            assert "kafka-internal" not in definition.get("networks", ()), name
    servers = {
        server.partition(":")[0] for server in environment("intake")["BANCHENG_KAFKA_BOOTSTRAP_SERVERS"].split(",")
    }
    assert servers == {"kafka-1", "kafka-2", "kafka-3"}


def test_prometheus_scrapes_and_the_gateway_routes_every_service() -> None:
    prometheus = yaml.safe_load((REPO_ROOT / "deploy" / "prometheus.yml").read_text())
    targets = {t for job in prometheus["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert targets == {f"{name}:{port}" for name, port in DEFAULT_PORTS.items()}
    gateway = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    routes = dict(re.findall(r"location /(\w+)/\s+\{ proxy_pass http://(\w+:\d+)/; \}", gateway))
    assert routes == {name: f"{name}:{port}" for name, port in DEFAULT_PORTS.items()}


def test_files_the_compose_file_mounts_exist() -> None:
    mounted = [volume.split(":")[0] for definition in COMPOSE["services"].values()
               for volume in definition.get("volumes", ()) if volume.startswith("./")]
    assert "./deploy/postgres-init.sql" in mounted and "./deploy/keycloak/bancheng-realm.json" in mounted
    for path in ("deploy/Dockerfile", *mounted):
        assert (REPO_ROOT / path).exists(), path  # a file, or a folder (Prometheus's rules, Grafana's dashboards)
    for secret in COMPOSE["secrets"].values():  # kept outside the repository (.gitignore)
        assert Path(secret["file"]).parts[:2] == ("deploy", "secrets")


def test_no_secret_is_written_in_the_compose_file() -> None:
    secret_words = re.compile(r"PASSWORD|SECRET")
    for name, definition in COMPOSE["services"].items():
        for variable, value in (definition.get("environment") or {}).items():
            if secret_words.search(variable):
                assert PLACEHOLDER.fullmatch(str(value)), f"{name}: {variable} must come from .env"
    defaults = re.findall(r"\$\{(\w+):?[-=+]", (REPO_ROOT / "docker-compose.yml").read_text())
    assert not defaults, f"variables with a default (a secret must not have one): {defaults}"


@pytest.mark.parametrize("service", SERVICES)
def test_services_send_traces_through_the_collector_to_jaeger(service: str) -> None:
    from shared.otlp_encoding import OtlpHttpSpanExporter

    env = environment(service)
    assert "otel-collector" in COMPOSE["services"][service]["depends_on"]
    assert tracing.exporter_names(env) == ["otlp"]  # the settings turn tracing on, and name a known protocol
    assert isinstance(tracing.exporter("otlp", env), OtlpHttpSpanExporter)
    endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    # OTLP/HTTP protobuf, which shared/otlp_encoding.py encodes for less CPU than the gRPC exporter does.
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert endpoint == "http://otel-collector:4318"  # the collector's http receiver below
    # A parent-based sampler: a case is traced in every service or in none, and sampled-out ones cost no spans.
    assert env["OTEL_TRACES_SAMPLER"].startswith("parentbased_") and 0 < float(env["OTEL_TRACES_SAMPLER_ARG"]) <= 1

    collector = COMPOSE["services"]["otel-collector"]
    assert collector["image"].startswith("otel/opentelemetry-collector-contrib:")
    source, mounted = collector["volumes"][0].removesuffix(":ro").split(":")
    assert source == "./deploy/otel-collector.yaml" and collector["command"] == [f"--config={mounted}"]
    config = yaml.safe_load((REPO_ROOT / "deploy" / "otel-collector.yaml").read_text())
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    pipeline = config["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    assert set(pipeline["processors"]) <= set(config["processors"])
    (exporter,) = pipeline["exporters"]
    assert exporter.split("/")[0] in ("otlp", "otlp_grpc")
    assert config["exporters"][exporter]["endpoint"] == "jaeger:4317"  # Jaeger v2 takes OTLP/gRPC there
    jaeger = COMPOSE["services"]["jaeger"]
    assert jaeger["image"].startswith("jaegertracing/jaeger:2.") and "16686:16686" in jaeger["ports"]
