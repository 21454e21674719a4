"""The dispatcher: a Runtime background loop that sends due deliveries and records every attempt.

Each pass claims due rows under a short lease that it renews while it sends (a process killed mid-pass
leaves its rows to the others within one lease), sends them concurrently through the channel adapters,
gated by per-channel rate limits and per-provider circuit breakers, and records each attempt as it
completes: emits NotificationDelivered / NotificationFailed on the results topic, schedules retries
(exponential backoff with jitter, due time in the table) and, after the last retry or a permanent
failure, stages the request on the channel's dead-letter topic.

A sender takes its next row only once its last attempt is recorded, so a kill re-sends no more than the
sends in flight (`concurrency` per channel). The senders' attempts are written together, one
transaction and one statement for a round of them (group commit, SQLAlchemy Core); the claim is one
statement over the pass, and each claimed request is parsed once. Sends go over the adapters' shared
keep-alive HTTP pool.
"""

import asyncio
import logging
import random
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from opentelemetry.trace import SpanContext, Status, StatusCode
from prometheus_client import Counter
from sqlalchemy import bindparam, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import outbox, tracing
from shared.consuming import Unit
from shared.envelope import Envelope
from shared.events.notification import (
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
    RequestedMessage,
    open_message,
)
from shared.masking import mask_text
from shared.personal_data import Keyring, SealedValueError
from shared.runtime import Runtime
from shared.topics import NOTIFY_RESULTS, dead_letter_topic
from services.notify.domain.circuit_breaker import CircuitBreaker
from services.notify.domain.model import ChannelName, Message
from services.notify.domain.rate_limit import ChannelRateLimiter
from services.notify.domain.results import DeliveryResult, Outcome
from services.notify.domain.retry import RetryPolicy, Verdict
from services.notify.store import tables
from services.notify.store.group_commit import GroupCommit
from services.notify.store.personal_data import open_request
from services.notify.workers.channels.base import Channel
from services.notify.workers.channels.http import HttpClient

log = logging.getLogger(__name__)
DELIVERY = tables.Delivery.__table__
# result: delivered, retrying (a retry is scheduled) or failed (for good, dead-lettered). Attempts put off
# by a breaker, a rate limit or an earlier message waiting are not attempts and are not counted.
DELIVERIES = Counter("bancheng_notify_deliveries_total", "Delivery attempts recorded, by channel and result",
                     ["channel", "result"])


@dataclass(frozen=True, slots=True)
class Deferred:
    """Not attempted (breaker open or rate limit): try again at `seconds` from now, no attempt counted."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Held:
    """Not attempted: an earlier message to the same recipient on this channel is waiting for a retry."""


Outcome_ = DeliveryResult | Deferred | Held


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due delivery as the pass claimed it: its request, parsed once, and its row's attempt count."""

    envelope: Envelope
    request: NotificationRequested
    message: RequestedMessage  # opened: the address and text to send
    attempts: int
    last_error: str | None

    @property
    def queue(self) -> str:
        """One recipient's messages of one case on one channel: sent in order."""
        return f"{self.envelope.case_id}/{self.request.channel}/{self.request.recipient}"


@dataclass
class Dispatcher:
    adapters: Mapping[ChannelName, Channel]
    policy: RetryPolicy
    limiter: ChannelRateLimiter
    new_breaker: Callable[[], CircuitBreaker]
    keyring: Keyring  # opens the stored requests
    http: HttpClient | None = None  # the adapters' shared pool: closed when the loop ends
    concurrency: int = 16  # sends in flight per channel
    claim_batch: int = 64
    poll_s: float = 0.5
    lease_s: float = 10.0  # renewed every third of it while the pass runs
    rng: random.Random = field(default_factory=random.Random)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
    # Tracing on: each attempt's span, by delivery id, for the result events `_record` stages in it.
    _attempt_spans: dict[str, SpanContext] = field(default_factory=dict)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, runtime: Runtime) -> None:
        """The background loop: dispatch while there is work, else sleep until woken or next due."""
        try:
            while True:
                await self._pass_or_pause(runtime)
        finally:
            if self.http is not None:
                await self.http.aclose()

    async def _pass_or_pause(self, runtime: Runtime) -> None:
        self._wake.clear()
        try:
            if await self.dispatch_due(runtime):
                return
            pause = await self._until_next_due(runtime)
        except Exception:  # a database hiccup must not end the loop
            log.exception("dispatch pass failed")
            pause = self.poll_s
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=pause)

    async def dispatch_due(self, runtime: Runtime) -> int:
        self._attempt_spans.clear()
        claimed = await self._claim(runtime)
        if not claimed:
            return 0
        open_ids = {item.request.delivery_id for item in claimed}

        async def record(settled: list[tuple[Claimed, Outcome_]]) -> None:
            await self._record(runtime, settled)
            open_ids.difference_update(item.request.delivery_id for item, _outcome in settled)

        renewing = asyncio.create_task(self._renew(runtime, open_ids))
        try:
            await self.send_all(claimed, commits=GroupCommit(record))
        finally:
            renewing.cancel()
        return len(claimed)

    async def _renew(self, runtime: Runtime, open_ids: set[str]) -> None:
        """Keep the pass's unrecorded rows claimed: they lapse one lease after the process stops renewing."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if not open_ids:
                continue
            try:
                async with runtime.sessions() as session, session.begin():
                    connection = await session.connection()
                    await connection.execute(
                        update(DELIVERY).where(DELIVERY.c.delivery_id.in_(list(open_ids)),
                                               DELIVERY.c.state == "sending")
                        .values(due_at=datetime.now(UTC) + timedelta(seconds=self.lease_s))
                    )
            except Exception:  # the next renewal may pass; a lapsed lease costs a re-send, no loss
                log.exception("lease renewal failed")

    async def send_all(self, claimed: list[Claimed], *,
                       commits: "GroupCommit[tuple[Claimed, Outcome_]] | None" = None) -> list[Outcome_]:
        """Attempt each claimed delivery: each queue in order, `concurrency` queues at a time per channel.

        With `commits`, each attempt (with the rest of its queue, held, when it stops the queue) is
        recorded before its sender takes the next row. A fixed set of senders per channel takes the queues
        in turn: a task per queue (one per notification when every case is different) cost more CPU than
        the send's own bookkeeping."""
        outcomes: list[Outcome_] = [Held()] * len(claimed)
        queues: dict[str, list[int]] = {}
        for index, item in enumerate(claimed):
            queues.setdefault(item.queue, []).append(index)
        by_channel: dict[str, list[list[int]]] = {}
        for indexes in queues.values():
            by_channel.setdefault(claimed[indexes[0]].request.channel, []).append(indexes)

        async def send_in_order(indexes: list[int]) -> None:
            # One recipient hears of one case in order (the 12345 platform must see accepted before closed).
            for position, index in enumerate(indexes):
                outcome = outcomes[index] = await self._attempt(claimed[index])
                stops = not isinstance(outcome, DeliveryResult) or outcome.outcome is Outcome.retryable
                held = [(claimed[later], Held()) for later in indexes[position + 1:]] if stops else []
                if commits is not None:
                    await commits.add([(claimed[index], outcome), *held])
                if stops:
                    return  # the rest stay Held behind it

        async def sender(turns: Iterator[list[int]]) -> None:
            with commits.sender() if commits is not None else nullcontext():
                for indexes in turns:  # shared with the channel's other senders: each queue is taken once
                    await send_in_order(indexes)

        async with asyncio.TaskGroup() as senders:  # a failed record stops the pass's other senders too
            for channel_queues in by_channel.values():
                turns = iter(channel_queues)
                for _ in range(min(self.concurrency, len(channel_queues))):
                    senders.create_task(sender(turns))
        return outcomes

    async def _claim(self, runtime: Runtime) -> list[Claimed]:
        now = datetime.now(UTC)
        async with runtime.sessions() as session, session.begin():
            connection = await session.connection()
            due = (
                select(DELIVERY.c.delivery_id, DELIVERY.c.request, DELIVERY.c.attempts, DELIVERY.c.last_error)
                .where(DELIVERY.c.channel.in_([c.value for c in self.adapters]))
                .where(tables.IS_DUE, DELIVERY.c.due_at <= now, DELIVERY.c.request.is_not(None))
                .order_by(DELIVERY.c.due_at, DELIVERY.c.created_at)
                .limit(self.claim_batch)
                .with_for_update(skip_locked=True)  # several notify replicas on PostgreSQL
            )
            rows = (await connection.execute(due)).all()
            claimed, keyring = [], self.keyring
            for row in rows:
                try:
                    envelope = Envelope.model_validate_json(
                        open_request(keyring, row.request, delivery_id=row.delivery_id))
                except SealedValueError as error:
                    await _unopened(session, runtime.name, row.delivery_id, None, str(error))
                    continue
                request = NotificationRequested.model_validate(envelope.data)
                try:
                    message = open_message(keyring, request)
                except SealedValueError as error:
                    await _unopened(session, runtime.name, row.delivery_id, envelope, str(error))
                    continue
                claimed.append(Claimed(envelope, request, message, row.attempts, row.last_error))
            unopened = len(rows) - len(claimed)
            if claimed:
                await connection.execute(
                    update(DELIVERY).where(DELIVERY.c.delivery_id.in_([item.request.delivery_id for item in claimed]))
                    .values(state="sending", due_at=now + timedelta(seconds=self.lease_s))
                )
        if unopened:
            runtime.relay.wake()  # their failures and dead letters
        return claimed

    async def _attempt(self, item: Claimed) -> DeliveryResult | Deferred:
        request, address = item.request, item.message.address
        channel = ChannelName(request.channel)
        breaker = self._breaker(channel, address)
        if not breaker.allow():
            return Deferred(max(breaker.retry_in(), 0.05))
        wait = self.limiter.acquire(channel, address)
        if wait > 0:
            return Deferred(wait)
        message = _message(item)
        if tracing.enabled():
            # A span per attempt, child of the request's context: the channel's own HTTP span nests in it.
            with tracing.active_span(f"deliver {channel.value}", parent_of=item.envelope, attributes={
                "bancheng.delivery.id": request.delivery_id, "bancheng.case.id": item.envelope.case_id,
                "bancheng.delivery.attempt": item.attempts + 1,
            }) as span:
                result = await self.adapters[channel].send(message)
                span.set_attribute("bancheng.delivery.outcome", result.outcome.value)
                if result.outcome is not Outcome.delivered:
                    span.set_status(Status(StatusCode.ERROR, result.reason))
            self._attempt_spans[request.delivery_id] = span.get_span_context()
        else:
            result = await self.adapters[channel].send(message)
        if result.outcome is Outcome.delivered:
            breaker.record_success()
        elif result.outcome is Outcome.retryable:
            breaker.record_failure()  # a 4xx about one address says nothing of the provider
        return result

    async def _record(self, runtime: Runtime, attempts: list[tuple[Claimed, Outcome_]]) -> None:
        now = datetime.now(UTC)
        async with runtime.sessions() as session, session.begin():
            changes = []
            results: list[tuple[str, str]] = []
            held_until: dict[str, datetime] = {}
            for item, outcome in attempts:
                unchanged = {"id": item.request.delivery_id, "n": item.attempts, "error": item.last_error, "at": None}
                if isinstance(outcome, Held):  # just after the one it waits for, so order holds
                    change = {**unchanged, "s": "retrying",
                              "due": held_until.get(item.queue, now) + timedelta(milliseconds=1)}
                elif isinstance(outcome, Deferred):
                    change = {**unchanged, "s": "retrying", "due": now + timedelta(seconds=outcome.seconds)}
                else:
                    unit = Unit(session=session, service=runtime.name, cause=item.envelope)
                    with tracing.resumed(self._attempt_spans.pop(item.request.delivery_id, None)):
                        change = {**unchanged, **await self._settle(unit, item, outcome, now)}
                    results.append((item.request.channel, change["s"]))
                if change["s"] == "retrying":
                    held_until[item.queue] = change["due"]
                changes.append(change)
            connection = await session.connection()
            await connection.execute(
                update(DELIVERY).where(DELIVERY.c.delivery_id == bindparam("id")).values(
                    state=bindparam("s"), attempts=bindparam("n"), due_at=bindparam("due"),
                    last_error=bindparam("error"), delivered_at=bindparam("at"),
                ),
                changes,
            )
        for channel, result in results:  # once the attempts are recorded: a rolled-back pass counts none
            DELIVERIES.labels(channel, result).inc()
        runtime.relay.wake()

    async def _settle(self, unit: Unit, item: Claimed, result: DeliveryResult, now: datetime) -> dict[str, object]:
        """Emit the attempt's result event; returns the row's new state, attempts, due time, error."""
        request, attempts = item.request, item.attempts + 1
        decision = self.policy.decide(result, attempt=attempts, rng=self.rng)
        ids = {"delivery_id": request.delivery_id, "channel": request.channel, "recipient": request.recipient,
               "attempts": attempts}
        if decision.verdict is Verdict.done:
            await unit.emit(NotificationDelivered(**ids), topic=NOTIFY_RESULTS)
            return {"s": "delivered", "n": attempts, "due": None, "at": now}
        reason = mask_text(decision.reason)
        final = decision.verdict is Verdict.dead_letter
        if final:
            await _dead_letter(unit, item.envelope, channel=request.channel, attempts=attempts, reason=reason)
            log.warning("delivery %s on %s failed for good: %s", request.delivery_id, request.channel, reason)
        await unit.emit(NotificationFailed(**ids, reason=reason, final=final), topic=NOTIFY_RESULTS)
        due = None if final else now + timedelta(seconds=decision.delay)
        return {"s": "failed" if final else "retrying", "n": attempts, "due": due, "error": reason}

    async def _until_next_due(self, runtime: Runtime) -> float:
        async with runtime.sessions() as session:
            query = select(func.min(DELIVERY.c.due_at)).where(
                DELIVERY.c.channel.in_([c.value for c in self.adapters]), tables.IS_DUE
            )
            due = await session.scalar(query)
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


def _message(item: Claimed) -> Message:
    request, envelope, message = item.request, item.envelope, item.message
    metadata = {
        "event_id": request.trigger_event_id, "event_type": request.trigger_event_type, "case_id": envelope.case_id,
        "case_number": request.case_number, "recipient_id": request.recipient, "template": request.template,
    }
    if request.hotline_status:
        metadata["hotline_status"] = request.hotline_status
    return Message(
        delivery_id=request.delivery_id, channel=ChannelName(request.channel), address=message.address,
        recipient_name=message.recipient_name, subject=message.subject, text=message.body,
        markdown=message.markdown, not_before=request.not_before or envelope.occurred_at, metadata=metadata,
        hotline_figures=request.hotline_figures,
    )


async def _dead_letter(unit: Unit, request: Envelope, *, channel: str, attempts: int, reason: str) -> None:
    """The request, as it was, on `bancheng.dlq.notify.<channel>` with the reason (staged in the outbox)."""
    extra = {"dlq_reason": reason[:4000], "dlq_consumer_group": f"notify.{channel}",
             "dlq_attempts": str(attempts), "dlq_failed_at": datetime.now(UTC).isoformat()}
    await outbox.stage(unit.session, request, topic=dead_letter_topic(f"notify.{channel}"), service=unit.service,
                       extra_headers=extra)


async def _unopened(
    session: AsyncSession, service: str, delivery_id: str, envelope: Envelope | None, reason: str,
) -> None:
    """A stored request this process cannot open (a key it lacks, a value tampered with or moved):
    failed for good with the reason (key ids and places, never values), dead-lettered and reported
    when its envelope opened; it must not hold up the deliveries claimed with it."""
    log.warning("delivery %s cannot be opened: %s", delivery_id, reason)
    if envelope is not None:
        request = NotificationRequested.model_validate(envelope.data)
        unit = Unit(session=session, service=service, cause=envelope)
        await _dead_letter(unit, envelope, channel=request.channel, attempts=0, reason=reason)
        await unit.emit(NotificationFailed(delivery_id=delivery_id, channel=request.channel,
                                           recipient=request.recipient, attempts=0, reason=reason, final=True),
                        topic=NOTIFY_RESULTS)
    await (await session.connection()).execute(
        update(DELIVERY).where(DELIVERY.c.delivery_id == delivery_id)
        .values(state="failed", due_at=None, last_error=reason))
