"""SMS through an HTTP gateway speaking a configurable JSON protocol (most Chinese SMS vendors fit)."""

from __future__ import annotations

from pathlib import Path
from string import Formatter
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from services.notify.domain.addresses import normalise_phone, url_problem
from services.notify.domain.model import ChannelName, Message

from .base import Channel, DeliveryFailed
from .http import HttpClient, json_bytes, response_json

PLACEHOLDERS = frozenset({"phone", "text", "subject", "delivery_id"})


class SmsGatewaySettings(BaseModel):
    """The gateway's protocol. `body` is the JSON to send; its strings may hold {phone}, {text},
    {subject} and {delivery_id}. The reply is a success when the value at `success_field` (a dotted
    path) is one of `success_values`, or, without `success_field`, when the HTTP status is 2xx.
    Secrets (an API token header) come from the service's settings, not from this file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    headers: dict[str, str] = {}
    body: dict[str, Any]
    success_field: str | None = None
    success_values: tuple[str, ...] = ("0",)
    retryable_values: tuple[str, ...] = ()  # the gateway's "busy, try later" codes
    message_field: str | None = None  # where the gateway explains a failure
    message_id_field: str | None = None
    timeout: float = 10.0

    @model_validator(mode="after")
    def _check(self) -> SmsGatewaySettings:
        problem = url_problem(self.url)
        if problem:
            raise ValueError(f"SMS gateway {problem}")
        for text in _strings(self.body):
            for _, field, _, _ in Formatter().parse(text):
                if field is not None and field not in PLACEHOLDERS:
                    raise ValueError(
                        f"SMS body placeholder {{{field}}} is not one of {sorted(PLACEHOLDERS)}"
                    )
        return self


def load_sms_gateway(path: Path, *, headers: dict[str, str] | None = None) -> SmsGatewaySettings:
    """Read the protocol from YAML; `headers` (e.g. the API token from the environment) are added."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["headers"] = {**raw.get("headers", {}), **(headers or {})}
    return SmsGatewaySettings.model_validate(raw)


def sms_body(settings: SmsGatewaySettings, *, phone: str, message: Message) -> dict[str, Any]:
    values = {
        "phone": phone,
        "text": message.text,
        "subject": message.subject,
        "delivery_id": message.delivery_id,
    }
    return _fill(settings.body, values)


class SmsChannel(Channel):
    name = ChannelName.sms

    def __init__(self, *, client: HttpClient, settings: SmsGatewaySettings) -> None:
        self._client = client
        self._settings = settings

    async def _deliver(self, message: Message, address: str) -> str | None:
        settings = self._settings
        body = sms_body(settings, phone=normalise_phone(address), message=message)
        response = await self._client.post(
            settings.url,
            content=json_bytes(body),
            headers=settings.headers,
            timeout=settings.timeout,
        )
        if settings.success_field is None:
            return None
        reply = response_json(response)
        code = str(_lookup(reply, settings.success_field))
        if code in settings.success_values:
            found = _lookup(reply, settings.message_id_field) if settings.message_id_field else None
            return None if found is None else str(found)
        explanation = _lookup(reply, settings.message_field) if settings.message_field else ""
        reason = f"gateway code {code}: {explanation or ''}".rstrip(": ")
        if code in settings.retryable_values:
            raise DeliveryFailed.retryable(reason, status_code=response.status_code)
        raise DeliveryFailed.permanent(reason, status_code=response.status_code)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _lookup(reply: dict[str, Any], path: str) -> Any:
    current: Any = reply
    for key in path.split("."):
        if not isinstance(current, dict) or key not in current:
            return None
        current = current[key]
    return current
