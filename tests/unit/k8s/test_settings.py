"""Each service's environment in the cluster is settings its code knows, and they load as production:
the database URL composed from the role's Secret, the bus as the service's SCRAM user over TLS."""

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from shared.personal_data import PersonalDataSettings
from shared.settings import KafkaSettings
from tests.unit.k8s.manifests import OVERLAYS, PORTS, container_env, has_code, render

REFERENCE = re.compile(r"\$\(([A-Z_]+)\)")


def settings_class(service: str) -> type:
    return importlib.import_module(f"services.{service}.config").get_settings.__annotations__["return"]


def auth_fields() -> set[str]:
    """The token verifier's settings: its class where shared/auth is here, else as the identity contract
    names them (tests/unit/test_deployment_config.py holds compose to the same)."""
    if importlib.util.find_spec("shared.auth") is None:
        return {"issuer", "audience", "jwks_url"}
    return set(importlib.import_module("shared.auth.settings").AuthSettings.model_fields)


def resolved_environment(service: str, overlay: str, ca_file: Path) -> dict[str, str]:
    """The container's variables as the kubelet would set them, each Secret's value made up."""
    rendered = render(overlay)
    env = container_env(rendered.one("Deployment", service), rendered)
    values: dict[str, str] = {}
    for name, value in env.items():
        if isinstance(value, dict):  # a Secret's or a ConfigMap's key
            reference = value.get("secretKeyRef") or value["configMapKeyRef"]
            values[name] = f"{reference['name']}-{reference['key']}".replace("/", "-")
        else:
            values[name] = REFERENCE.sub(lambda m: values[m.group(1)], value)
    values["BANCHENG_KAFKA_SSL_CAFILE"] = str(ca_file)  # the mounted Secret, here a file of the test's
    return values


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", [s for s in PORTS if has_code(s)])
def test_every_variable_is_a_setting_and_the_settings_load_in_production(
    service: str, overlay: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    own = settings_class(service)
    prefix = f"BANCHENG_{service.upper()}_"
    auth = auth_fields()
    ca_file = tmp_path / "ca.crt"
    ca_file.write_text("")
    for name, value in resolved_environment(service, overlay, ca_file).items():
        if name.startswith("BANCHENG_KAFKA_"):
            assert name.removeprefix("BANCHENG_KAFKA_").lower() in KafkaSettings.model_fields, name
        elif name.startswith("BANCHENG_AUTH_"):
            assert name.removeprefix("BANCHENG_AUTH_").lower() in auth, name
        elif name.startswith("BANCHENG_PII_"):
            assert name.removeprefix("BANCHENG_PII_").lower() in PersonalDataSettings.model_fields, name
        elif name.startswith("BANCHENG_"):
            assert name.startswith(prefix) and name.removeprefix(prefix).lower() in own.model_fields, name
        monkeypatch.setenv(name, value)
    settings = own()
    assert settings.environment == "production" and settings.port == PORTS[service]
    assert settings.database_url == (
        f"postgresql+asyncpg://bancheng-{service}-db-username:bancheng-{service}-db-password"
        f"@bancheng-pg-rw:5432/bancheng_{service}"
    )
    kafka = KafkaSettings()
    assert (kafka.security_protocol, kafka.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
    assert (kafka.sasl_username, kafka.sasl_password.get_secret_value()) == (service, f"{service}-password")
    assert (kafka.idempotence, kafka.acks, kafka.ssl_cafile) == (True, "all", str(ca_file))
    assert kafka.session_timeout_ms >= 6000  # Apache Kafka's group.min.session.timeout.ms


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_ca_the_bus_settings_name_is_the_one_mounted(overlay: str) -> None:
    rendered = render(overlay)
    cafile = Path(rendered.config_map_data("bancheng-bus")["BANCHENG_KAFKA_SSL_CAFILE"])
    for name in PORTS:
        pod = rendered.one("Deployment", name)["spec"]["template"]["spec"]
        mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == str(cafile.parent))
        volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
        assert volume["secret"]["secretName"] == "bancheng-cluster-ca-cert"
        assert [item["path"] for item in volume["secret"]["items"]] == [cafile.name]
