"""A channel that records instead of sending, with scripted outcomes: the fake for handler tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from services.notify.domain.model import ChannelName, Message
from services.notify.domain.results import Outcome

from .base import Channel, DeliveryFailed


class RecordingChannel(Channel):
    """`outcomes` are consumed one per send (then every send is delivered); `sent` holds what got through."""

    def __init__(self, name: ChannelName, *, outcomes: Iterable[Outcome] = ()) -> None:
        self.name = name  # type: ignore[misc]  # one class stands in for any channel
        self._outcomes = deque(outcomes)
        self.attempts: list[Message] = []
        self.sent: list[Message] = []

    async def _deliver(self, message: Message, address: str) -> str | None:
        self.attempts.append(message)
        outcome = self._outcomes.popleft() if self._outcomes else Outcome.delivered
        if outcome is not Outcome.delivered:
            raise DeliveryFailed(outcome, f"scripted {outcome.value} failure")
        self.sent.append(message)
        return None
