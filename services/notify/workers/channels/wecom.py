"""WeCom (企业微信) group robot: POST to the robot's webhook URL, msgtype text or markdown."""

from __future__ import annotations

from services.notify.domain.model import ChannelName, Message

from .base import Channel
from .http import HttpClient, json_bytes
from .robots import check_errcode, truncate_utf8

TEXT_LIMIT = 2048  # bytes, per WeCom's robot documentation
MARKDOWN_LIMIT = 4096
RETRYABLE_CODES = frozenset({-1, 45009})  # system busy; API frequency limit (20 messages/minute)


def wecom_payload(message: Message) -> dict[str, object]:
    if message.markdown:
        content = truncate_utf8(message.markdown, MARKDOWN_LIMIT)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "text", "text": {"content": truncate_utf8(message.text, TEXT_LIMIT)}}


class WeComRobotChannel(Channel):
    """The address is the robot's full webhook URL (…/cgi-bin/webhook/send?key=…)."""

    name = ChannelName.wecom

    def __init__(self, *, client: HttpClient, timeout: float = 10.0) -> None:
        self._client = client
        self._timeout = timeout

    async def _deliver(self, message: Message, address: str) -> str | None:
        response = await self._client.post(
            address, content=json_bytes(wecom_payload(message)), timeout=self._timeout
        )
        check_errcode(response, retryable_codes=RETRYABLE_CODES)
        return None
