"""The common base of channel adapters: address validation, error classification, no crash."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import ClassVar

from shared.masking import mask_text
from services.notify.domain.addresses import address_problem
from services.notify.domain.model import ChannelName, Message
from services.notify.domain.results import DeliveryResult, Outcome

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Raised inside an adapter to end the attempt with a classified result."""

    def __init__(
        self,
        outcome: Outcome,
        reason: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason
        self.status_code = status_code
        self.retry_after = retry_after

    @classmethod
    def retryable(cls, reason: str, **extra: int | float | None) -> DeliveryFailed:
        return cls(Outcome.retryable, reason, **extra)  # type: ignore[arg-type]  # extra: status_code or retry_after

    @classmethod
    def permanent(cls, reason: str, **extra: int | float | None) -> DeliveryFailed:
        return cls(Outcome.permanent, reason, **extra)  # type: ignore[arg-type]  # extra: status_code or retry_after


class Channel(ABC):
    name: ClassVar[ChannelName]

    async def send(self, message: Message) -> DeliveryResult:
        """Deliver `message` once; the result says delivered, retryable or permanent, with the reason."""
        ids = {"delivery_id": message.delivery_id, "channel": self.name}
        if message.channel is not self.name:
            return DeliveryResult.permanent(
                **ids, reason=f"message for channel {message.channel.value} reached {self.name.value}"
            )
        problem = address_problem(self.name, message.address)
        if problem:
            return DeliveryResult.permanent(**ids, reason=problem)
        try:
            provider_id = await self._deliver(message, message.address or "")
        except DeliveryFailed as failure:
            return DeliveryResult(
                **ids,
                outcome=failure.outcome,
                reason=mask_text(failure.reason),
                status_code=failure.status_code,
                retry_after=failure.retry_after,
            )
        except Exception as error:  # a bug in one adapter must end in a recorded failure, not a dead worker
            log.exception("channel %s failed on delivery %s", self.name.value, message.delivery_id)
            return DeliveryResult.permanent(
                **ids, reason=mask_text(f"adapter error {type(error).__name__}: {error}")
            )
        return DeliveryResult.delivered(**ids, provider_message_id=provider_id)

    @abstractmethod
    async def _deliver(self, message: Message, address: str) -> str | None:
        """Send to the provider at `address` (already validated).

        Return the provider's message id if it gives one; raise DeliveryFailed on failure.
        """
