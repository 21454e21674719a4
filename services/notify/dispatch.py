"""The dispatcher: a Runtime background loop that sends due deliveries and records every attempt.

Each pass claims due rows (a lease: a crash mid-send lets another pass retry them later), sends them
concurrently through the channel adapters, gated by per-channel rate limits and per-provider circuit
breakers, then in one transaction records each attempt, emits NotificationDelivered / NotificationFailed
on the results topic, schedules retries (exponential backoff with jitter, due time in the table) and,
after the last retry or a permanent failure, stages the request on the channel's dead-letter topic.
"""

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import col, select

from shared.consuming import Unit
from shared.envelope import Envelope
from shared.events.notification import NotificationDelivered, NotificationFailed, NotificationRequested
from shared.outbox import OutboxMessage
from shared.runtime import Runtime
from shared.topics import NOTIFY_RESULTS, dead_letter_topic
from services.notify import store
from services.notify.channels.base import Channel
from services.notify.domain.circuit_breaker import CircuitBreaker
from shared.masking import mask_text
from services.notify.domain.model import ChannelName, Message
from services.notify.domain.rate_limit import ChannelRateLimiter
from services.notify.domain.results import DeliveryResult, Outcome
from services.notify.domain.retry import RetryPolicy, Verdict

log = logging.getLogger(__name__)
DUE_STATES = ("pending", "retrying", "sending")  # `sending` past its lease: the sender died mid-send


@dataclass(frozen=True, slots=True)
class Deferred:
    """Not attempted (breaker open or rate limit): try again at `seconds` from now, no attempt counted."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Held:
    """Not attempted: an earlier message to the same recipient on this channel is waiting for a retry."""


Outcome_ = DeliveryResult | Deferred | Held


@dataclass
class Dispatcher:
    adapters: Mapping[ChannelName, Channel]
    policy: RetryPolicy
    limiter: ChannelRateLimiter
    new_breaker: Callable[[], CircuitBreaker]
    concurrency: int = 200
    claim_batch: int = 1000
    poll_s: float = 0.5
    lease_s: float = 120.0
    rng: random.Random = field(default_factory=random.Random)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _breakers: dict[str, CircuitBreaker] = field(default_factory=dict)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, runtime: Runtime) -> None:
        """The background loop: dispatch while there is work, else sleep until woken or next due."""
        while True:
            self._wake.clear()
            try:
                if await self.dispatch_due(runtime):
                    continue
                pause = await self._until_next_due(runtime)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the loop
                log.exception("dispatch pass failed")
                pause = self.poll_s
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            except TimeoutError:
                pass

    async def dispatch_due(self, runtime: Runtime) -> int:
        claimed = await self._claim(runtime)
        if not claimed:
            return 0
        semaphore = asyncio.Semaphore(self.concurrency)
        outcomes: list[Outcome_] = [Held()] * len(claimed)
        queues: dict[str, list[int]] = {}
        for index, envelope in enumerate(claimed):
            queues.setdefault(_queue_key(envelope), []).append(index)

        async def send_in_order(indexes: list[int]) -> None:
            # One recipient hears of one case in order (the 12345 platform must see accepted before closed).
            for index in indexes:
                outcomes[index] = await self._attempt(claimed[index], semaphore)
                if not isinstance(outcomes[index], DeliveryResult) or outcomes[index].outcome is Outcome.retryable:
                    return  # the rest stay Held behind it

        await asyncio.gather(*(send_in_order(indexes) for indexes in queues.values()))
        await self._record(runtime, list(zip(claimed, outcomes, strict=True)))
        return len(claimed)

    async def _claim(self, runtime: Runtime) -> list[Envelope]:
        now = datetime.now(UTC)
        async with runtime.sessions() as session, session.begin():
            query = (
                select(store.Delivery)
                .where(col(store.Delivery.channel).in_([c.value for c in self.adapters]))
                .where(col(store.Delivery.state).in_(DUE_STATES), col(store.Delivery.due_at) <= now)
                .order_by(col(store.Delivery.due_at), col(store.Delivery.created_at))
                .limit(self.claim_batch)
                .with_for_update(skip_locked=True)  # several notify replicas on PostgreSQL
            )
            rows = list((await session.exec(query)).all())
            for row in rows:
                row.state, row.due_at = "sending", now + timedelta(seconds=self.lease_s)
                session.add(row)
        return [Envelope.model_validate_json(row.request) for row in rows if row.request]

    async def _attempt(self, envelope: Envelope, semaphore: asyncio.Semaphore) -> DeliveryResult | Deferred:
        request = NotificationRequested.model_validate(envelope.data)
        channel = ChannelName(request.channel)
        breaker = self._breaker(channel, request.address)
        if not breaker.allow():
            return Deferred(max(breaker.retry_in(), 0.05))
        wait = self.limiter.acquire(channel)
        if wait > 0:
            return Deferred(wait)
        async with semaphore:
            result = await self.adapters[channel].send(_message(request, envelope))
        if result.outcome is Outcome.delivered:
            breaker.record_success()
        elif result.outcome is Outcome.retryable:
            breaker.record_failure()  # a 4xx about one address says nothing of the provider
        return result

    async def _record(self, runtime: Runtime, attempts: list[tuple[Envelope, Outcome_]]) -> None:
        now = datetime.now(UTC)
        async with runtime.sessions() as session, session.begin():
            ids = [NotificationRequested.model_validate(e.data).delivery_id for e, _ in attempts]
            rows = {
                row.delivery_id: row
                for row in (await session.exec(select(store.Delivery).where(col(store.Delivery.delivery_id).in_(ids)))).all()
            }
            held_until: dict[str, datetime] = {}
            for (envelope, outcome), delivery_id in zip(attempts, ids, strict=True):
                row, queue = rows[delivery_id], _queue_key(envelope)
                if isinstance(outcome, Held):  # just after the one it waits for, so order holds
                    row.state, row.due_at = "retrying", held_until.get(queue, now) + timedelta(milliseconds=1)
                elif isinstance(outcome, Deferred):
                    row.state, row.due_at = "retrying", now + timedelta(seconds=outcome.seconds)
                else:
                    await self._settle(Unit(session=session, service=runtime.name, cause=envelope), row, outcome, now)
                if row.state == "retrying" and row.due_at is not None:
                    held_until[queue] = row.due_at
                session.add(row)
        runtime.relay.wake()

    async def _settle(self, unit: Unit, row: store.Delivery, result: DeliveryResult, now: datetime) -> None:
        row.attempts += 1
        decision = self.policy.decide(result, attempt=row.attempts, rng=self.rng)
        ids = {"delivery_id": row.delivery_id, "channel": row.channel, "recipient": row.recipient, "attempts": row.attempts}
        if decision.verdict is Verdict.done:
            row.state, row.delivered_at, row.due_at = "delivered", now, None
            await unit.emit(NotificationDelivered(**ids), topic=NOTIFY_RESULTS)
            return
        reason = mask_text(decision.reason)
        row.last_error = reason
        final = decision.verdict is Verdict.dead_letter
        if final:
            row.state, row.due_at = "failed", None
            _dead_letter(unit, row, reason)
            log.warning("delivery %s on %s failed for good: %s", row.delivery_id, row.channel, reason)
        else:
            row.state, row.due_at = "retrying", now + timedelta(seconds=decision.delay)
        await unit.emit(NotificationFailed(**ids, reason=reason, final=final), topic=NOTIFY_RESULTS)

    async def _until_next_due(self, runtime: Runtime) -> float:
        async with runtime.sessions() as session:
            query = select(func.min(store.Delivery.due_at)).where(
                col(store.Delivery.channel).in_([c.value for c in self.adapters]),
                col(store.Delivery.state).in_(DUE_STATES),
            )
            due = (await session.exec(query)).one()
        if due is None:
            return self.poll_s
        return min(max((due - datetime.now(UTC)).total_seconds(), 0.0), self.poll_s)

    def _breaker(self, channel: ChannelName, address: str | None) -> CircuitBreaker:
        """One breaker per provider: the channel's gateway, or each robot / webhook host."""
        host = urlsplit(address).hostname if address and "://" in address else None
        key = f"{channel.value}/{host or ''}"
        if key not in self._breakers:
            self._breakers[key] = self.new_breaker()
        return self._breakers[key]


def _queue_key(envelope: Envelope) -> str:
    data = envelope.data
    return f"{envelope.case_id}/{data['channel']}/{data['recipient']}"


def _message(request: NotificationRequested, envelope: Envelope) -> Message:
    metadata = {
        "event_id": request.trigger_event_id, "event_type": request.trigger_event_type, "case_id": envelope.case_id,
        "case_number": request.case_number, "recipient_id": request.recipient, "template": request.template,
    }
    if request.hotline_status:
        metadata["hotline_status"] = request.hotline_status
    return Message(
        delivery_id=request.delivery_id, channel=ChannelName(request.channel), address=request.address,
        recipient_name=request.recipient_name, subject=request.subject, text=request.body,
        markdown=request.markdown, not_before=request.not_before or envelope.occurred_at, metadata=metadata,
    )


def _dead_letter(unit: Unit, row: store.Delivery, reason: str) -> None:
    """The request, as it was, on `bancheng.dlq.notify.<channel>` with the reason (staged in the outbox)."""
    key, value, headers = Envelope.model_validate_json(row.request or "{}").to_kafka()
    extra = {"dlq_reason": reason[:4000], "dlq_consumer_group": f"notify.{row.channel}",
             "dlq_attempts": str(row.attempts), "dlq_failed_at": datetime.now(UTC).isoformat()}
    unit.session.add(OutboxMessage(
        topic=dead_letter_topic(f"notify.{row.channel}"), key=key, value=value,
        headers=[[name, raw.decode()] for name, raw in headers] + [[name, text] for name, text in extra.items()],
    ))
