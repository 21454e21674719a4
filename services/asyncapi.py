"""The system's AsyncAPI document, docs/asyncapi.json: shared/asyncapi.py's contracts and every service's consumers.

    python -m services.asyncapi > docs/asyncapi.json     (or `make docs`)

The one module that imports every service, to build each runtime and read its consumers' groups and
topics: it belongs to no service, and neither a service nor shared/ imports it.
"""

import importlib
import json
import sys

from shared.asyncapi import document

SERVICES = ("intake", "routing", "sla", "notify", "audit")


def service_subscriptions() -> list[tuple[str, str, tuple[str, ...]]]:
    """(service, consumer group, topics) of every consumer of every service."""
    found = []
    for service in SERVICES:
        runtime = importlib.import_module(f"services.{service}.app").build_runtime()
        found += [(service, consumer.group, consumer.topics) for consumer in runtime.consumers]
    return found


if __name__ == "__main__":
    json.dump(document(service_subscriptions()), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
