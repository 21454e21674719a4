"""Both overlays render, and every rendered manifest is valid: Kubernetes' own kinds against the
Kubernetes schemas (kubernetes-validate, strict: an unknown field is an error), the operators' kinds
against their CRDs' schemas (deploy/k8s/crds), unknown fields refused there too."""

import copy
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from tests.unit.k8s.manifests import K8S, OVERLAYS, Manifest, render

# The oldest Kubernetes the manifests are meant for (topologySpreadConstraints' matchLabelKeys: 1.27+).
KUBERNETES_VERSION = "1.30.0"


def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    schemas = {}
    for path in sorted((K8S / "crds").glob("*.json")):
        crd = json.loads(path.read_text())
        schemas[(f"{crd['group']}/{crd['version']}", crd["kind"])] = crd["openAPIV3Schema"]
    return schemas


CRDS = crd_schemas()


def problems(document: Manifest) -> list[str]:
    """What is wrong with one manifest, by the schema of its kind; a kind no schema knows is a problem."""
    schema = CRDS.get((document["apiVersion"], document["kind"]))
    if schema is None:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            return [f"{'.'.join(map(str, error.path))}: {error.message}"]
        except kubernetes_validate.SchemaNotFoundError:
            return [f"no schema for {document['apiVersion']} {document['kind']}"]
        return []
    found = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
             for e in jsonschema.Draft7Validator(schema).iter_errors(document)]
    return found + list(unknown_fields(document, schema, ""))


def unknown_fields(value: Any, schema: dict[str, Any], path: str) -> Iterator[str]:
    """Fields the schema does not declare (the API server would prune them, silently)."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key in schema["properties"]:
                yield from unknown_fields(item, schema["properties"][key], f"{path}.{key}")
            elif not schema.get("additionalProperties"):
                yield f"{path}.{key}: unknown field"
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, item in value.items():
            yield from unknown_fields(item, schema["additionalProperties"], f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from unknown_fields(item, schema["items"], f"{path}[{index}]")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlay_renders_and_every_manifest_is_valid(overlay: str) -> None:
    rendered = render(overlay)
    assert len(rendered.documents) > 50
    errors = [f"{doc['kind']}/{doc['metadata']['name']}: {problem}"
              for doc in rendered.documents for problem in problems(doc)]
    assert errors == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kind_rendered_has_a_schema_to_check_it(overlay: str) -> None:
    kinds = {(doc["apiVersion"], doc["kind"]) for doc in render(overlay).documents}
    operators = {kind for kind in kinds if "strimzi.io" in kind[0] or "cnpg.io" in kind[0]}
    assert operators and operators <= CRDS.keys()


def test_the_validation_catches_a_misspelt_field_and_a_wrong_value() -> None:
    rendered = render("prod")
    topic = copy.deepcopy(rendered.of("KafkaTopic")[0])
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    assert problems(topic) == [".spec.partition: unknown field"]
    user = copy.deepcopy(rendered.one("KafkaUser", "intake"))
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Wirte"]
    assert any("'Wirte' is not one of" in problem for problem in problems(user))
    deployment = copy.deepcopy(rendered.of("Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessprobe"] = {}
    assert problems(deployment)
    deployment = copy.deepcopy(rendered.of("Deployment")[0])
    deployment["spec"]["replicas"] = "two"
    assert problems(deployment)
