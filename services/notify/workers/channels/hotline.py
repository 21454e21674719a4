"""12345 outbound status sync: tell the hotline platform what became of a case it forwarded."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.webhook_signing import signed_headers
from services.notify.domain.addresses import url_problem
from services.notify.domain.model import ChannelName, HotlineStatus, Message

from .base import Channel, DeliveryFailed
from .http import HttpClient, json_bytes


class HotlineChannel(Channel):
    """POSTs `{ticket_id, status, case_number, note, delivery_id}` to the platform, signed like webhooks, with
    `figures` (what its assessment counts) when the status has them: cards and closing."""

    name = ChannelName.hotline_12345

    def __init__(
        self,
        *,
        client: HttpClient,
        endpoint: str,
        secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        problem = url_problem(endpoint)
        if problem:
            raise ValueError(f"12345 endpoint: {problem}")
        self._client = client
        self._endpoint = endpoint
        self._secret = secret
        self._timeout = timeout
        self._clock = clock

    async def _deliver(self, message: Message, address: str) -> str | None:
        status = message.metadata.get("hotline_status")
        if status not in HotlineStatus.__members__:
            raise DeliveryFailed.permanent(f"no valid hotline status in the message ({status!r})")
        body = json_bytes(
            {
                "ticket_id": address,
                "status": status,
                "case_number": message.metadata.get("case_number", ""),
                "note": message.text,
                "delivery_id": message.delivery_id,
                **({"figures": message.hotline_figures} if message.hotline_figures else {}),
            }
        )
        headers = signed_headers(
            secret=self._secret, delivery_id=message.delivery_id, body=body, now=self._clock()
        )
        await self._client.post(self._endpoint, content=body, headers=headers, timeout=self._timeout)
        return None
