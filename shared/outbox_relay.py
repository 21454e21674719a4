"""The outbox relay: publishes a database's outbox rows (`shared.outbox`) in id order.

One relay at a time publishes a database's outbox, in id order, so a case's events keep their order:
on PostgreSQL several relays may run and an advisory lock elects the one that publishes; on SQLite
there is one writing process per file anyway.
"""

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared import tracing
from shared.clock import now_utc
from shared.db import is_postgres
from shared.outbox import OUTBOX, Row, hand_over_commits, notify_channel

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 30.0
# On SQLite published rows are deleted at most this often (or past this many), not after every pass.
DELETE_EVERY_S = 1.0
DELETE_AFTER_ROWS = 5000

PUBLISHED = Counter("bancheng_outbox_published_total", "Events published by the outbox relay", ["service"])
PENDING = Gauge("bancheng_outbox_pending", "Outbox rows seen unpublished at the last relay pass", ["service"])
LAG = Histogram(
    "bancheng_outbox_lag_seconds",
    "From outbox write to broker acknowledgement",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Sampled (shared.pipeline_gauges), not set by the relay's passes: a relay that is stuck still shows it.
OLDEST_UNSENT_AGE = Gauge(
    "bancheng_outbox_oldest_unsent_age_seconds", "Age of the oldest outbox row not yet published (0: none)", ["service"]
)


class OutboxRelay:
    """Publishes outbox rows in id order, woken after each commit and polling as a fallback."""

    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        ensure_topics: Callable[[list[str]], Awaitable[None]],
        poll_interval_s: float = 0.5,
        linger_s: float = 0.0,
        batch_size: int = 500,
    ) -> None:
        self._service = service
        self._engine = engine
        self._producer = producer
        self._ensure_topics = ensure_topics
        self._known_topics: set[str] = set()
        self._poll_interval_s = poll_interval_s
        self._linger_s = linger_s
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._leader_connection: AsyncConnection | None = None
        self._postgres = is_postgres(str(engine.url))
        # SQLite: every row up to this id is published and not deleted yet; every other row is not published.
        self._published_up_to = 0
        self._published_undeleted = 0
        self._deleted_at = time.monotonic()
        self._handed_over: list[Row] = []  # SQLite: rows this process's commits wrote, not published yet

    def wake(self) -> None:
        self._wake.set()

    def hand_over(self, rows: list[Row]) -> None:
        """Rows a commit in this process just wrote (SQLite): published from here, not read back, when
        their ids continue the published ones."""
        self._handed_over += rows
        self._wake.set()

    async def start(self) -> None:
        if not self._postgres:
            hand_over_commits(self._engine.sync_engine, self.hand_over)
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._service}")

    async def stop(self) -> None:
        if not self._postgres:
            hand_over_commits(self._engine.sync_engine, None)
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._release_leadership()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
            await asyncio.sleep(self._linger_s)  # commits close together go out in one pass
            self._wake.clear()
            try:
                if await self._lead():
                    while await self.publish_batch():
                        pass
            except asyncio.CancelledError:
                raise
            except Exception:  # the broker or database is away: keep the rows, try again later
                log.exception("outbox relay pass failed; retrying")
                await self._release_leadership()
                await asyncio.sleep(self._poll_interval_s)

    async def publish_batch(self) -> bool:
        """Publish the oldest rows; True when a full batch went out and more may be waiting.

        Rows are read and deleted with Core (no ORM objects). On PostgreSQL they are deleted by the id
        range read, in the read's snapshot (REPEATABLE READ), so a row of a slower transaction committing
        in between, with an id inside the range, is not deleted unpublished. On SQLite one writer at a
        time gives every later row a higher id than those read: the relay remembers the last id it
        published, reads past it, and deletes the published rows once a second (a delete and its commit
        per pass were round trips to the driver's thread each). A crash in between publishes them again:
        at least once, as before. The rows this process's commits wrote are handed over after each
        commit and published without reading them back, as long as their ids continue the published
        ones (so every id in between is one of them); after a gap (a row another writer wrote, or
        ids given again by an emptied table) the table is read as before.
        """
        if self._postgres:
            async with self._engine.connect() as connection:
                await connection.execution_options(isolation_level="REPEATABLE READ")
                rows = await self._read(connection)
                if rows:
                    await self._send(rows)
                    await connection.execute(delete(OUTBOX).where(OUTBOX.c.id.between(rows[0][0], rows[-1][0])))
                    await connection.commit()
        else:
            if self._deletion_due():
                await self.delete_published()
            handed_over = self._continuing_handed_over()
            if handed_over is not None:
                rows = handed_over
            else:
                async with self._engine.connect() as connection:
                    rows = await self._read(connection, after=self._published_up_to)
            if rows:
                await self._send(rows)
                self._published_up_to = rows[-1][0]
                self._published_undeleted += len(rows)
                self._handed_over = [row for row in self._handed_over if row[0] > self._published_up_to]
        if not rows:
            return False
        now = now_utc()
        lag = LAG.labels(self._service)
        for row in rows:
            lag.observe((now - _aware(row[5])).total_seconds())
        PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows) == self._batch_size

    def _continuing_handed_over(self) -> list[Row] | None:
        """The handed-over rows whose ids run on from the last one published, or None (read the table)."""
        handed = self._handed_over
        if not handed or min(row[0] for row in handed) != self._published_up_to + 1:
            return None
        handed.sort()  # commits may be handed over out of order; ids are unique
        count = 1
        while count < min(len(handed), self._batch_size) and handed[count][0] == handed[0][0] + count:
            count += 1
        rows, self._handed_over = handed[:count], handed[count:]
        PENDING.labels(self._service).set(len(handed))
        return rows

    async def _read(self, connection: AsyncConnection, *, after: int = 0) -> Sequence[Row]:
        query = select(OUTBOX.c.id, OUTBOX.c.topic, OUTBOX.c.key, OUTBOX.c.value, OUTBOX.c.headers,
                       OUTBOX.c.created_at).order_by(OUTBOX.c.id).limit(self._batch_size)
        if after:
            query = query.where(OUTBOX.c.id > after)
        rows = (await connection.execute(query)).all()
        PENDING.labels(self._service).set(len(rows))
        return rows

    async def _send(self, rows: Sequence[Row]) -> None:
        await self._create_new_topics({row[1] for row in rows})
        if tracing.enabled():
            await self._send_traced(rows)
            return
        send = self._producer.send
        sent = [
            await send(topic, value, key=key, headers=[(name, content.encode()) for name, content in headers])
            for _id, topic, key, value, headers, _staged_at in rows
        ]
        # A send that never completes must surface: the rows stay and the next pass retries.
        await asyncio.wait_for(asyncio.gather(*sent), SEND_TIMEOUT_S)

    async def _send_traced(self, rows: Sequence[Row]) -> None:
        """As `_send`, in one PRODUCER span for the pass, from the first send to the last acknowledgement,
        linked to each record's staged context (`shared.tracing.send_spans`)."""
        spans, all_headers = tracing.send_spans(rows)
        send = self._producer.send
        try:
            sent = [
                await send(row[1], row[3], key=row[2], headers=headers)
                for row, headers in zip(rows, all_headers, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*sent), SEND_TIMEOUT_S)
        except BaseException as error:
            tracing.end_all(spans, error)
            raise
        tracing.end_all(spans)

    def _deletion_due(self) -> bool:
        return self._published_undeleted > 0 and (
            self._published_undeleted >= DELETE_AFTER_ROWS or time.monotonic() - self._deleted_at >= DELETE_EVERY_S
        )

    async def delete_published(self) -> None:
        """SQLite: delete the rows published so far. After this every row left is unpublished, so reading
        starts from the lowest id again (SQLite may reuse the ids of an emptied table)."""
        if self._published_undeleted:
            async with self._engine.begin() as connection:
                await connection.execute(delete(OUTBOX).where(OUTBOX.c.id <= self._published_up_to))
        self._published_up_to = self._published_undeleted = 0
        self._deleted_at = time.monotonic()

    async def oldest_unsent_at(self) -> datetime | None:
        """When the first row not yet published was staged; None when every row is published. The lowest id
        is read (the primary key, not a scan of the table); on SQLite the rows up to the last one published
        wait for their delete and are left out."""
        query = select(OUTBOX.c.created_at).order_by(OUTBOX.c.id).limit(1)
        if not self._postgres:
            query = query.where(OUTBOX.c.id > self._published_up_to)
        async with self._engine.connect() as connection:
            oldest = await connection.scalar(query)
        return _aware(oldest) if oldest is not None else None

    async def drain(self) -> None:
        """Publish what is left and delete what was published: a clean stop leaves an empty outbox."""
        while await self.publish_batch():
            pass
        if not self._postgres:
            await self.delete_published()

    async def _create_new_topics(self, topics: set[str]) -> None:
        """A new department's or channel's topic is created with our partition count before use;
        left to auto-creation, its first records may be refused (and the count is the broker's).

        Each topic is also tracked in the producer's metadata: aiokafka otherwise refreshes only
        the topics it learnt late and forgets the rest, stranding their batches until close."""
        new = topics - self._known_topics
        if new:
            await self._ensure_topics(sorted(new))
            for topic in new:
                await self._producer.client.add_topic(topic)
            self._known_topics |= new

    async def _lead(self) -> bool:
        """On PostgreSQL hold an advisory lock (and LISTEN) on a dedicated connection."""
        if not self._postgres:
            return True
        if self._leader_connection is not None:
            return True
        connection = await self._engine.connect()
        lock_key = zlib.crc32(notify_channel(self._service).encode())
        if not await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key}):
            await connection.close()
            return False
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None  # a connection just opened
        await raw.driver_connection.add_listener(notify_channel(self._service), lambda *_: self.wake())
        self._leader_connection = connection
        log.info("outbox relay of %s is the leader", self._service)
        return True

    async def _release_leadership(self) -> None:
        if self._leader_connection is not None:
            connection, self._leader_connection = self._leader_connection, None
            await connection.invalidate()  # closing the session releases the advisory lock


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for values stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
