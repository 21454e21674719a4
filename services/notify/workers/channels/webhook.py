"""Generic signed webhook: a department's own system receives work orders and alerts as JSON."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.webhook_signing import signed_headers
from services.notify.domain.model import ChannelName, Message

from .base import Channel
from .http import HttpClient, json_bytes


def webhook_payload(message: Message) -> dict[str, object]:
    return {
        "delivery_id": message.delivery_id,
        **message.metadata,
        "recipient": message.recipient_name,
        "subject": message.subject,
        "text": message.text,
    }


class WebhookChannel(Channel):
    name = ChannelName.webhook

    def __init__(
        self,
        *,
        client: HttpClient,
        secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secret = secret
        self._timeout = timeout
        self._clock = clock

    async def _deliver(self, message: Message, address: str) -> str | None:
        body = json_bytes(webhook_payload(message))
        headers = signed_headers(
            secret=self._secret, delivery_id=message.delivery_id, body=body, now=self._clock()
        )
        await self._client.post(address, content=body, headers=headers, timeout=self._timeout)
        return None
