"""Notification messages. Producer: notify. Consumers: notify's channel workers (requests), audit (results)."""

from typing import Literal

from pydantic import Field

from shared.events.base import Event


class NotificationRequested(Event):
    """One message for one recipient on one channel; the channel's worker delivers it."""

    type = "notify.requested"

    delivery_id: str = Field(description="Stable per (event, recipient, channel): the dedupe key")
    channel: str
    recipient: str = Field(description="A role and id, e.g. department:market")
    address: str = Field(description="Where the channel sends it; personal data only where needed")
    template: str
    subject: str
    body: str
    trigger_event_id: str


class NotificationDelivered(Event):
    type = "notify.delivered"

    delivery_id: str
    channel: str
    recipient: str
    attempts: int


class NotificationFailed(Event):
    type = "notify.failed"

    delivery_id: str
    channel: str
    recipient: str
    attempts: int
    reason: str
    final: bool = Field(description="True when no retry follows: the request went to the dead-letter topic")
