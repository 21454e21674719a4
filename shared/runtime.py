"""A service's runtime: database, migrations, bus, outbox relay and consumers, in one lifespan.

Each service's `app.py` is its composition root: it builds its runtime (a subclass of Runtime typed with the
service's settings and its own built objects) with its routes and its `handlers.subscribers`, and hands
`runtime.app()` to uvicorn (docs/architecture.md, "Wiring"). The lifespan starts the runtime beside the server,
so `/healthz` answers while it migrates and joins the bus, and `/readyz` once it has (`shared.health`).
"""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import api_docs, bus, db, inbox, migrations, problems, tracing
from shared.auth.http import declare_permissions
from shared.auth.principal import Principal
from shared.consuming import BatchApplier, Consumer, Unit
from shared.health import Startup, UntilStarted, health_router
from shared.http_metrics import HttpMetrics
from shared.offset_commits import OffsetCommits
from shared.outbox_relay import OutboxRelay
from shared.personal_data import Keyring
from shared.personal_data.rotation import SealedTable
from shared.pipeline_gauges import sample_pipeline_gauges
from shared.request_guard import RequestGuard
from shared.settings import KafkaSettings, ServiceSettings
from shared.telemetry import configure_logging
from shared.topics import EVENT_STREAMS, dead_letter_topic
from shared.tracing_http import ServerSpans

log = logging.getLogger(__name__)
# Far beyond any redelivery: offsets are committed per batch, and a replayed batch is seconds old.
APPLIED_EVENTS_KEPT = timedelta(days=7)


@dataclass
class Runtime:
    settings: ServiceSettings
    kafka: KafkaSettings
    migrations_dir: Path
    # The service's consumers, built from the runtime as built (its settings and own objects, which its
    # subclass holds): `handlers.subscribers`.
    subscribers: Callable[[Self], Sequence[Consumer]] = lambda _runtime: ()
    topics: Sequence[str] = ()
    routers: Sequence[APIRouter] = ()
    # Background loops (a timer sweep, a retry queue, checkpoints): each gets the runtime, runs until
    # cancelled at shutdown, and should catch and log its own errors so one bad pass does not end it.
    background: Sequence[Callable[[Self], Coroutine[Any, Any, None]]] = ()
    # Run once after the migrations, before the bus and before the service reports ready (a first signing
    # key, seed data): an error stops the start.
    on_start: Sequence[Callable[[Self], Awaitable[None]]] = ()
    title: str = ""
    description: str = ""
    # The service's domain errors, each answered as the problem (shared.problems) its function makes of it.
    domain_errors: Mapping[type[Exception], Callable[[Exception], problems.ProblemError]] = field(default_factory=dict)
    # Personal data: the keyring that seals it, and the tables `rotate-pii-key` re-seals (shared/cli.py).
    keyring: Keyring | None = None
    sealed_tables: Sequence[SealedTable] = ()
    # Paths (regular expressions, whole path) whose multipart bodies the route streams itself, with its own
    # size limit: the request guard passes them through unread (an upload larger than `max_body_bytes`).
    streamed_uploads: Sequence[str] = ()
    startup: Startup = field(init=False, default_factory=Startup)
    # Called when the start in the background has failed: the server stops, and the process exits
    # non-zero (shared/cli.py sets it).
    on_start_failure: Callable[[], None] = field(init=False, default=lambda: None)
    engine: AsyncEngine = field(init=False)
    sessions: db.SessionFactory = field(init=False)
    broker: KafkaBroker = field(init=False)
    producer: AIOKafkaProducer = field(init=False)
    relay: OutboxRelay = field(init=False)
    consumers: Sequence[Consumer] = field(init=False)
    _tasks: list[asyncio.Task[None]] = field(init=False, default_factory=list)
    # What `start` has started, each with its stop; `stop` runs them last first, so a start cut short
    # (a SIGTERM during it, a failure) stops just what it had started.
    _started: AsyncExitStack = field(init=False, default_factory=AsyncExitStack)
    _offset_commits: list[OffsetCommits] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        name = self.settings.service_name
        self.engine = db.create_engine(self.settings.database_url)
        self.sessions = db.session_factory(self.engine)
        tracing.configure(name)  # off unless OTEL_* settings name an exporter (docs/tracing.md)
        self.broker = bus.create_broker(self.kafka, service=name, registry=REGISTRY)
        self.consumers = self.subscribers(self)
        for consumer in self.consumers:
            self._subscribe(consumer)

    @property
    def name(self) -> str:
        return self.settings.service_name

    @asynccontextmanager
    async def unit(self, acting: Principal | None = None) -> AsyncIterator[Unit]:
        """A transaction for an HTTP command by `acting`: its staged events are published after it commits."""
        async with self.sessions() as session, session.begin():
            unit = Unit(session=session, service=self.name, acting=acting)
            yield unit
        self.relay.wake()

    def app(self) -> FastAPI:
        application = FastAPI(
            title=self.title or f"Bancheng {self.name}",
            description=self.description,
            lifespan=self._lifespan,
            docs_url=None,
            redoc_url=None,
        )
        application.state.runtime = self
        problems.install(application)
        for exception, to_problem in self.domain_errors.items():
            problems.translate(application, exception, to_problem)
        api_docs.install(application)
        application.add_middleware(UntilStarted, startup=self.startup)
        application.add_middleware(RequestGuard, max_body_bytes=self.settings.max_body_bytes,
                                   streamed_uploads=self.streamed_uploads)
        application.add_middleware(HttpMetrics, service=self.name)
        if tracing.enabled():  # outermost: the server span covers the whole request
            application.add_middleware(ServerSpans)
        application.include_router(health_router)
        for router in self.routers:
            declare_permissions(router)
            application.include_router(router)
        return application

    @asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        """The server listens (and `/healthz` answers) at once; the start runs beside it."""
        configure_logging(self.name, self.settings.log_level)
        self.startup.begun = True  # before the server accepts a connection: other routes wait for the start
        starting = asyncio.create_task(self._start_beside_the_server(), name=f"{self.name}-start")
        try:
            yield
        finally:
            starting.cancel()  # a stop during the start ends it where it is
            await asyncio.gather(starting, return_exceptions=True)
            await self.stop()

    async def _start_beside_the_server(self) -> None:
        try:
            await self.start()
        except Exception as error:
            self.startup.failed(error)
            log.exception("%s did not start (while %s)", self.name, self.startup.step)
            self.on_start_failure()

    async def start(self) -> None:
        """Start every part; then the service is ready (`startup.done`) and its other routes answer."""
        await self.start_parts()
        freeze_startup_objects()
        self.startup.done = True
        log.info("%s started on the bus at %s", self.name, self.kafka.bootstrap_servers)

    async def start_parts(self: Self) -> None:
        """Migrate, prepare, wait for the broker, join it. A subclass starts its own parts after these,
        each with `stops_at_shutdown`."""
        self.startup.step = "migrating the database"
        await db.ensure_postgres_database(self.settings.database_url)
        await asyncio.to_thread(migrations.upgrade, self.settings.database_url, self.migrations_dir)
        self.startup.step = "preparing"
        for prepare in self.on_start:
            await prepare(self)
        self.startup.step = "waiting for the broker"
        await bus.ensure_topics(self.kafka, self._all_topics(), wait_s=self.settings.broker_wait_s)
        self.startup.step = "joining the bus"
        # aiokafka wants the running loop, so the producer and relay are made here.
        self.producer = bus.create_producer(self.kafka, service=self.name)
        self.relay = OutboxRelay(
            service=self.name,
            engine=self.engine,
            producer=self.producer,
            ensure_topics=lambda topics: bus.ensure_topics(self.kafka, topics),
            poll_interval_s=self.settings.outbox_poll_interval_s,
            linger_s=self.settings.outbox_linger_s,
        )
        # Each stop is registered before its start is awaited: a start cut short is stopped too.
        self._started.push_async_callback(self.producer.stop)
        await self.producer.start()
        self._started.push_async_callback(self._stop_relay)
        await self.relay.start()
        self._started.push_async_callback(self._stop_consuming)
        await self.broker.start()
        loops = (prune_applied_events, sample_pipeline_gauges, *self.background)
        self._tasks = [asyncio.create_task(loop(self), name=loop.__name__) for loop in loops]
        self._started.push_async_callback(self._stop_loops)
        self.relay.wake()

    async def stop(self) -> None:
        """Stop what `start` started, last first: the loops, consuming, the relay, the producer."""
        try:
            await self._started.aclose()
        finally:
            await self.engine.dispose()
            tracing.shutdown()  # the last spans are exported, not dropped

    def stops_at_shutdown(self, stop: Callable[[], Awaitable[object]]) -> None:
        """A subclass's part of the start, stopped before the parts started before it."""
        self._started.push_async_callback(stop)

    async def _stop_loops(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _stop_consuming(self) -> None:
        for commits in self._offset_commits:  # what was applied is committed, and each batch from now on
            await commits.commit_each_batch()
        await self.broker.stop()

    async def _stop_relay(self) -> None:
        await self.relay.stop()
        await self.relay.drain()  # a clean stop leaves nothing unpublished or undeleted behind

    def _all_topics(self) -> list[str]:
        dead_letters = [dead_letter_topic(consumer.group) for consumer in self.consumers]
        declared = [topic for consumer in self.consumers for topic in consumer.topics]
        return [*EVENT_STREAMS, *declared, *self.topics, *dead_letters]

    def _subscribe(self, consumer: Consumer) -> None:
        applier = BatchApplier(
            consumer=consumer,
            service=self.name,
            sessions=self.sessions,
            producer=lambda: self.producer,
            on_commit=lambda: self.relay.wake(),
            retry_attempts=self.settings.consumer_retry_attempts,
            retry_backoff_s=self.settings.consumer_retry_backoff_s,
        )

        commits = OffsetCommits(interval_s=self.kafka.commit_interval_ms / 1000,
                                timeout_s=self.kafka.commit_timeout_ms / 1000, group=consumer.group)
        self._offset_commits.append(commits)

        async def apply_batch(message: KafkaMessage) -> None:
            """Acknowledged by hand: offsets noted once the batch is durable and committed per interval
            (`shared.offset_commits`); a batch that fails is rewound and consumed again (as NACK_ON_ERROR did)."""
            records = message.raw_message
            try:
                await applier(records)
            except Exception:
                await message.nack()
                raise
            commits.applied(message.consumer, records)
            await commits.commit_if_due()

        self.broker.subscriber(
            *consumer.topics,
            pattern=consumer.pattern,
            group_id=consumer.group,
            batch=True,
            max_records=self.kafka.batch_max_records,
            batch_timeout_ms=self.kafka.batch_timeout_ms,
            fetch_max_wait_ms=self.kafka.fetch_max_wait_ms,
            session_timeout_ms=self.kafka.session_timeout_ms,
            heartbeat_interval_ms=self.kafka.heartbeat_interval_ms,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            listener=commits,
            decoder=_the_batch,
            title=f"{consumer.group}",
        )(apply_batch)


YOUNG_GENERATION = 10_000


def freeze_startup_objects() -> None:
    """Leave what the process built to start (modules, models, schemas, clients: some 140,000 objects)
    out of the garbage collector's full passes: each pass walked them all, a large share of a busy
    consumer's CPU (docs/performance.md, bench/consumer_path.py). What starting left as garbage is
    collected first; frozen objects are still freed when
    their last reference goes.

    The young generation is raised from 700 to 10,000 objects: a consumed batch's objects (hundreds of
    events, rows and envelopes) then die with it instead of being walked, and promoted, mid-batch."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])


async def prune_applied_events(runtime: Runtime) -> None:
    """Applied event ids older than the redelivery horizon are forgotten, hourly."""
    while True:
        try:
            async with runtime.sessions() as session, session.begin():
                await inbox.prune(session, older_than=APPLIED_EVENTS_KEPT)
        except Exception:
            log.exception("pruning applied event ids failed")
        await asyncio.sleep(3600)


async def _the_batch(message: KafkaMessage) -> KafkaMessage:
    """The batch as it came, its records undecoded (the applier decodes each itself, so one bad record
    cannot fail the whole batch) and its consumer at hand to commit or rewind. Async because FastStream
    runs a plain function decoder in a worker thread."""
    return message
