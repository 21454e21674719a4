"""The outcome of one delivery attempt, as channels report it."""

from __future__ import annotations

from enum import StrEnum

from .model import ChannelName, Frozen


class Outcome(StrEnum):
    delivered = "delivered"
    retryable = "retryable"  # provider trouble: 5xx, timeout, connection error, rate limited
    permanent = "permanent"  # retrying cannot help: 4xx, malformed address, bad template


class DeliveryResult(Frozen):
    """Reasons never carry personal data unmasked: they end up in logs and events."""

    delivery_id: str
    channel: ChannelName
    outcome: Outcome
    reason: str = ""
    status_code: int | None = None
    provider_message_id: str | None = None
    retry_after: float | None = None  # seconds the provider asked us to wait

    @classmethod
    def delivered(cls, *, delivery_id: str, channel: ChannelName, **extra: object) -> DeliveryResult:
        return cls(delivery_id=delivery_id, channel=channel, outcome=Outcome.delivered, **extra)

    @classmethod
    def retryable(
        cls, *, delivery_id: str, channel: ChannelName, reason: str, **extra: object
    ) -> DeliveryResult:
        return cls(
            delivery_id=delivery_id, channel=channel, outcome=Outcome.retryable, reason=reason, **extra
        )

    @classmethod
    def permanent(
        cls, *, delivery_id: str, channel: ChannelName, reason: str, **extra: object
    ) -> DeliveryResult:
        return cls(
            delivery_id=delivery_id, channel=channel, outcome=Outcome.permanent, reason=reason, **extra
        )
