"""docs/asyncapi.json is generated from the code and kept current; it lists every event and consumer."""

import json

from shared.asyncapi import document, message_name
from shared.events import registered_events
from shared.settings import REPO_ROOT
from services.asyncapi import service_subscriptions

SUBSCRIPTIONS = service_subscriptions()
GENERATED = document(SUBSCRIPTIONS)


def test_committed_document_matches_the_code() -> None:
    committed = json.loads((REPO_ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8"))
    assert committed == GENERATED, "docs/asyncapi.json is stale: run `make docs`"


def test_every_event_contract_is_a_message_on_a_channel() -> None:
    on_channels = {ref for channel in GENERATED["channels"].values() for ref in channel["messages"]}
    for event in registered_events().values():
        assert message_name(event) in GENERATED["components"]["messages"]
        assert message_name(event) in on_channels


def test_every_consumer_group_has_a_receive_operation_per_topic() -> None:
    receives = [op for op in GENERATED["operations"].values() if op["action"] == "receive"]
    for _service, group, topics in SUBSCRIPTIONS:
        mine = [op for op in receives if f"consumer group {group};" in op["summary"]]
        assert len(mine) == len(topics), group
