"""DingTalk (钉钉) group robot: msgtype text or markdown, optionally signed (加签) with the robot's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, quote_plus, urlsplit

from services.notify.domain.model import ChannelName, Message

from .base import Channel
from .http import HttpClient, json_bytes
from .robots import check_errcode, truncate_utf8

CONTENT_LIMIT = 20000  # bytes; DingTalk rejects longer messages
RETRYABLE_CODES = frozenset({-1, 130101})  # system busy; sending too fast (20 messages/minute)


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    """DingTalk's scheme: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_payload(message: Message) -> dict[str, object]:
    if message.markdown:
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": truncate_utf8(message.markdown, CONTENT_LIMIT)},
        }
    return {"msgtype": "text", "text": {"content": truncate_utf8(message.text, CONTENT_LIMIT)}}


class DingTalkRobotChannel(Channel):
    """The address is the robot URL (…/robot/send?access_token=…); robots set to 加签 need their
    secret in `secrets`, keyed by access_token, and are sent with `&timestamp=…&sign=…`."""

    name = ChannelName.dingtalk

    def __init__(
        self,
        *,
        client: HttpClient,
        secrets: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._secrets = dict(secrets or {})
        self._timeout = timeout
        self._clock = clock

    def signed_url(self, url: str) -> str:
        token = parse_qs(urlsplit(url).query).get("access_token", [""])[0]
        secret = self._secrets.get(token)
        if secret is None:
            return url  # robots secured by keyword or IP range take the URL as it is
        timestamp_ms = int(self._clock() * 1000)
        separator = "&" if urlsplit(url).query else "?"
        sign = dingtalk_sign(secret=secret, timestamp_ms=timestamp_ms)
        return f"{url}{separator}timestamp={timestamp_ms}&sign={sign}"

    async def _deliver(self, message: Message, address: str) -> str | None:
        response = await self._client.post(
            self.signed_url(address),
            content=json_bytes(dingtalk_payload(message)),
            timeout=self._timeout,
        )
        check_errcode(response, retryable_codes=RETRYABLE_CODES)
        return None
