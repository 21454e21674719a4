"""Notification messages. Producer: notify. Consumers: notify's channel workers (requests), audit (results).

A request's address and message (a citizen's phone, e-mail and name may be in them) travel sealed under the
transport key; only notify, which sends them, opens them (`open_message`).
"""

from pydantic import AwareDatetime, BaseModel, Field

from shared.events.base import Event
from shared.personal_data import Keyring


class RequestedMessage(BaseModel):
    """What `NotificationRequested.sealed_message` holds: where to send, to whom, and what."""

    address: str | None = Field(
        default=None, description="Where the channel sends it; personal data only where needed; None: nothing on file"
    )
    recipient_name: str = ""
    subject: str
    body: str
    markdown: str | None = Field(default=None, description="For group robots (WeCom, DingTalk)")


class NotificationRequested(Event):
    """One message for one recipient on one channel; the channel's worker delivers it.

    Version 2: the address, recipient name and message are sealed (`sealed_message`); version 1 had them in clear."""

    type = "notify.requested"
    version = 2

    delivery_id: str = Field(description="Stable per (event, recipient, channel): the dedupe key")
    channel: str
    recipient: str = Field(description="A role and id, e.g. department:market or citizen:<case id>")
    template: str
    sealed_message: str = Field(description="A RequestedMessage as JSON, sealed under the transport key "
                                            "(v1:<kid>:<nonce>:<ciphertext>), bound to the delivery id")
    trigger_event_id: str
    trigger_event_type: str = ""
    case_number: str = ""
    hotline_status: str | None = Field(
        default=None, description="accepted | replied | closed | callback | yellow_card | red_card (12345 sync)")
    hotline_figures: dict[str, str | bool | None] | None = Field(
        default=None, description="What the 12345 assessment counts, with the status: a card's colour, reason and "
                                  "department; a closed case's on_time and satisfaction")
    not_before: AwareDatetime | None = Field(default=None, description="Not sent before this (citizens' quiet hours)")


def _message_context(delivery_id: str) -> str:
    return f"bancheng.notify.channel:{delivery_id}"


def seal_message(keyring: Keyring, message: RequestedMessage, *, delivery_id: str) -> str:
    return keyring.seal(message.model_dump_json(), context=_message_context(delivery_id), kid=keyring.transport)


def open_message(keyring: Keyring, request: NotificationRequested) -> RequestedMessage:
    """The request's message, or `SealedValueError` (a key this process lacks, or a request tampered with)."""
    return RequestedMessage.model_validate_json(
        keyring.open(request.sealed_message, context=_message_context(request.delivery_id)))


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
