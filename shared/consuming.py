"""Consuming events: typed handlers per event type, applied in a batch transaction, idempotently.

A batch of records is decoded, the ones already applied are skipped, the rest run through their
handlers in one database transaction that also records their ids and stages what they emit. Only
after that commit does the subscriber acknowledge (and so commit offsets). A record that cannot be
decoded or fails goes to the consumer group's dead-letter topic with the reason (at once when the failure
cannot pass, after bounded retries with backoff when it might); a database or broker outage is
retried and, if it lasts, the batch is rewound and consumed again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import KafkaError
from prometheus_client import Counter
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import inbox, outbox, tracing
from shared.auth.principal import Principal
from shared.clock import now_utc
from shared.db import SessionFactory
from shared.envelope import Envelope, MalformedMessage
from shared.events.base import Event
from shared.topics import dead_letter_topic

log = logging.getLogger(__name__)

APPLIED = Counter("bancheng_events_applied_total", "Events applied by a consumer", ["consumer", "type"])
DUPLICATES = Counter("bancheng_events_duplicate_total", "Redelivered events skipped", ["consumer"])
DEAD_LETTERED = Counter("bancheng_dead_letters_total", "Records sent to a dead-letter topic", ["consumer"])

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, KafkaError)
# Worth another try: the database or bus was away, or a concurrent writer won a race (IntegrityError).
# Anything else (an unknown district, invalid data) fails the same way every time: dead-lettered at once.
RETRYABLE_ERRORS = (DBAPIError, *TRANSIENT_ERRORS)
E = TypeVar("E", bound=Event)
T = TypeVar("T")


@dataclass
class Unit:
    """One transaction: the session, and the events staged to be published when it commits."""

    session: AsyncSession
    service: str
    cause: Envelope | None = None
    record: ConsumerRecord | None = None  # where the cause was read: topic, partition, offset
    # Every event this transaction applies, the cause among them: a handler may load what the whole
    # batch needs in one query the first time it runs, instead of a query per event.
    batch: Sequence[Envelope] = ()
    staged: list[tuple[str, Envelope]] = field(default_factory=list)
    # Who acts in an HTTP command: the actor (and its detail) of what it emits, unless a step names another.
    acting: Principal | None = None

    async def emit(
        self,
        event: Event,
        *,
        topic: str,
        case_id: str | None = None,
        district: str | None = None,
        hall: str | None = None,
        actor: str | None = None,
        actor_detail: str | None = None,
    ) -> Envelope:
        """Stage `event` on `topic`; case, district and hall default to the cause's, the actor to who acts."""
        cause = self.cause
        acting = self.acting
        if acting is not None and actor in (None, acting.actor):
            actor, actor_detail = acting.actor, actor_detail or acting.actor_detail
        envelope = Envelope.wrap(
            event,
            source=self.service,
            case_id=case_id or (cause.case_id if cause else ""),
            district=district or (cause.district if cause else ""),
            hall=hall if hall is not None else (cause.hall if cause else None),
            actor=actor or f"service:{self.service}",
            actor_detail=actor_detail,
            caused_by=cause,
        )
        await self.forward(envelope, topic=topic)
        return envelope

    async def forward(self, envelope: Envelope, *, topic: str) -> None:
        """Stage an existing envelope on another topic (e.g. a department's feed)."""
        await outbox.stage(self.session, envelope, topic=topic, service=self.service)
        self.staged.append((topic, envelope))


Handler = Callable[[Any, Envelope, Unit], Awaitable[None]]
Fresh = list[tuple[Envelope, ConsumerRecord]]
BatchHandler = Callable[[Fresh, Unit], Awaitable[None]]


class Consumer:
    """A consumer group's handlers by event type. `on(CaseRegistered)` registers a typed handler."""

    def __init__(
        self, group: str, *, topics: Sequence[str] = (), pattern: str | None = None, own_dedupe: bool = False,
    ) -> None:
        """`own_dedupe=True` is for a consumer whose effect already keeps each event id once (audit's log has
        a unique index on it): the applied-id table is then skipped, a statement and a row per event saved,
        and its handlers see a redelivered event again (only copies within one batch are dropped)."""
        self.group = group
        self.topics = tuple(topics)
        self.pattern = pattern
        self.own_dedupe = own_dedupe
        self._handlers: dict[str, Handler] = {}
        self._every_event: Handler | None = None
        self.every_batch: BatchHandler | None = None

    def on(self, event_class: type[E]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._handlers[event_class.type] = handler
            return handler

        return register

    def on_every_event(self, handler: Handler) -> Handler:
        """A handler given every event's envelope (its `event` argument is None): audit's way in."""
        self._every_event = handler
        return handler

    def on_every_batch(self, handler: BatchHandler) -> BatchHandler:
        """A handler given all of a batch's events not applied before, with their records, in one call:
        for consumers whose per-event cost is round trips (audit appends a whole batch at once)."""
        self.every_batch = handler
        return handler

    def handles(self, event_type: str) -> bool:
        return self._every_event is not None or self.every_batch is not None or event_type in self._handlers

    def handler_for(self, envelope: Envelope) -> tuple[Handler, Event | None] | None:
        if self._every_event is not None:
            return self._every_event, None
        handler = self._handlers.get(envelope.type)
        return (handler, envelope.event()) if handler else None


@dataclass
class BatchApplier:
    """Applies batches of records for one consumer: the body of its subscriber."""

    consumer: Consumer
    service: str
    sessions: SessionFactory
    producer: Callable[[], AIOKafkaProducer]  # created inside the running loop, after this
    on_commit: Callable[[], None]  # after a commit that staged events: wakes the relay
    retry_attempts: int = 3
    retry_backoff_s: float = 0.2

    async def __call__(self, records: Sequence[ConsumerRecord]) -> None:
        decoded: list[tuple[ConsumerRecord, Envelope]] = []
        dead: list[tuple[ConsumerRecord, str]] = []
        for record in records:
            try:
                decoded.append((record, Envelope.from_kafka(record.value, list(record.headers or ()))))
            except MalformedMessage as error:
                dead.append((record, str(error)))
        try:
            staged = await self._with_retries(lambda: self._apply(decoded))
        except TRANSIENT_ERRORS:
            raise  # the subscriber rewinds; the batch is consumed again when the outage ends
        except Exception:  # noqa: BLE001 - some record is poison: isolate it
            staged = False
            for record, envelope in decoded:
                try:
                    staged |= await self._with_retries(partial(self._apply, [(record, envelope)]))
                except TRANSIENT_ERRORS:
                    raise
                except Exception as error:  # noqa: BLE001 - this record is the poison: dead-lettered with its error
                    dead.append((record, f"{type(error).__name__}: {error}"))
        if dead:
            await self._dead_letter(dead)
        if staged:  # a relay pass over an empty outbox costs a pool checkout and a query (audit's batches)
            self.on_commit()

    async def _apply(self, pairs: list[tuple[ConsumerRecord, Envelope]]) -> bool:
        """Apply `pairs` in one transaction; True when it staged events for the outbox.

        Events of a type no handler takes are left out: their ids are not recorded (a row each, to
        prune later), and a batch of only those opens no transaction at all."""
        group = self.consumer.group
        pairs = [pair for pair in pairs if self.consumer.handles(pair[1].type)]
        if not pairs:
            return False
        async with self.sessions() as session, session.begin():
            event_ids = [str(envelope.id) for _, envelope in pairs]
            if self.consumer.own_dedupe:
                new = set(event_ids)
            else:
                # Before the handlers: a concurrent applier of the same ids (a rebalance) waits here on
                # PostgreSQL until the other commits, and then finds them recorded; so one effect is kept.
                new = await inbox.record_new(session, consumer=group, event_ids=event_ids)
            fresh: Fresh = []
            for (record, envelope), event_id in zip(pairs, event_ids, strict=True):
                if event_id not in new:
                    DUPLICATES.labels(group).inc()
                    continue
                new.discard(event_id)  # a second copy in the same batch is a duplicate too
                fresh.append((envelope, record))
            if self.consumer.every_batch is not None:
                if fresh:
                    await self._apply_every_batch(self.consumer.every_batch, fresh, session)
                for envelope, _record in fresh:
                    APPLIED.labels(group, envelope.type).inc()
                return outbox.has_staged(session)
            batch = [envelope for envelope, _record in fresh]
            for envelope, record in fresh:
                found = self.consumer.handler_for(envelope)
                if found is not None:
                    handler, event = found
                    unit = Unit(session=session, service=self.service, cause=envelope, record=record, batch=batch)
                    with tracing.consuming(envelope, record, group=group):
                        await handler(event, envelope, unit)
                    APPLIED.labels(group, envelope.type).inc()
            return outbox.has_staged(session)

    async def _apply_every_batch(self, handler: BatchHandler, fresh: Fresh, session: AsyncSession) -> None:
        """The batch handler, each event in a CONSUMER span of its own spanning the call (none current:
        the handler acts for the whole batch)."""
        spans = tracing.consumer_spans(fresh, group=self.consumer.group)
        try:
            await handler(fresh, Unit(session=session, service=self.service))
        except BaseException as error:
            tracing.end_all(spans, error)
            raise
        tracing.end_all(spans)

    async def _with_retries(self, attempt: Callable[[], Awaitable[T]]) -> T:
        number = 1
        while True:
            try:
                return await attempt()
            except RETRYABLE_ERRORS:
                if number >= self.retry_attempts:
                    raise
                await asyncio.sleep(self.retry_backoff_s * 2 ** (number - 1))
                number += 1

    async def _dead_letter(self, dead: list[tuple[ConsumerRecord, str]]) -> None:
        topic = dead_letter_topic(self.consumer.group)
        sent = []
        for record, reason in dead:
            log.warning(
                "dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, reason
            )
            headers = list(record.headers or ()) + [
                ("dlq_reason", reason.encode()[:4000]),
                ("dlq_topic", record.topic.encode()),
                ("dlq_partition", str(record.partition).encode()),
                ("dlq_offset", str(record.offset).encode()),
                ("dlq_consumer_group", self.consumer.group.encode()),
                ("dlq_failed_at", now_utc().isoformat().encode()),
            ]
            sent.append(await self.producer().send(topic, record.value, key=record.key, headers=headers))
        await asyncio.gather(*sent)
        DEAD_LETTERED.labels(self.consumer.group).inc(len(dead))
