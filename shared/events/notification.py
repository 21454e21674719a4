"""Notification messages. Producer: notify. Consumers: notify's channel workers (requests), audit (results)."""

from pydantic import AwareDatetime, Field

from shared.events.base import Event


class NotificationRequested(Event):
    """One message for one recipient on one channel; the channel's worker delivers it."""

    type = "notify.requested"

    delivery_id: str = Field(description="Stable per (event, recipient, channel): the dedupe key")
    channel: str
    recipient: str = Field(description="A role and id, e.g. department:market")
    address: str | None = Field(
        default=None, description="Where the channel sends it; personal data only where needed; None: nothing on file"
    )
    template: str
    subject: str
    body: str
    trigger_event_id: str
    # Added for the channel workers (all optional, so older requests still decode):
    trigger_event_type: str = ""
    recipient_name: str = ""
    case_number: str = ""
    markdown: str | None = Field(default=None, description="For group robots (WeCom, DingTalk)")
    hotline_status: str | None = Field(default=None, description="accepted | replied | closed | callback (12345 sync)")
    not_before: AwareDatetime | None = Field(default=None, description="Not sent before this (citizens' quiet hours)")


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
