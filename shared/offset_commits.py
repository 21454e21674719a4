"""A consumer's offsets committed once an interval, past the batches whose effects are durable.

Committing after every batch was a request to the broker per batch, CPU on both sides
(docs/performance.md), and at the rates live traffic gives a batch is a handful of events. Consumers are
idempotent, so committing the offsets past every applied batch at most once an interval is as safe as
once a batch (DESIGN.md: "once per batch (or per interval)"): a crash, a stop or a rebalance replays the
batches of at most one interval, and a replayed batch changes nothing. Offsets are only ever those past
records already applied (never the consumer's position, which runs ahead into the batch being applied),
and only on partitions still assigned; before partitions are taken away in a rebalance, theirs are
committed.

The listener also shows how many partitions the process holds per consumer group
(`bancheng_consumer_partitions`): with several instances, who took which share after a rebalance.
"""

import asyncio
import logging
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from prometheus_client import Gauge

log = logging.getLogger(__name__)
ASSIGNED = Gauge(
    "bancheng_consumer_partitions", "Partitions assigned to this process, per consumer group", ["consumer"]
)


class OffsetCommits(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka ships no type information
    """One subscriber's applied offsets; give it as the subscriber's rebalance listener."""

    def __init__(self, *, interval_s: float, timeout_s: float, group: str = "") -> None:
        self._assigned: set[TopicPartition] = set()
        self._gauge = ASSIGNED.labels(consumer=group)
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._pending: dict[TopicPartition, int] = {}
        self._noted: dict[TopicPartition, int] = {}  # the highest offset noted per partition since it was assigned
        self._consumer: AIOKafkaConsumer | None = None
        self._committed_at = time.monotonic()
        self._lock = asyncio.Lock()

    def applied(self, consumer: AIOKafkaConsumer, records: Sequence[ConsumerRecord]) -> None:
        """`records` are applied and durable: their offsets may be committed."""
        self._consumer = consumer
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            if record.offset >= self._noted.get(partition, 0):  # a batch consumed again never moves it back
                self._noted[partition] = self._pending[partition] = record.offset + 1

    async def commit_if_due(self) -> None:
        if self._pending and time.monotonic() - self._committed_at >= self._interval_s:
            await self.commit()

    async def commit_each_batch(self) -> None:
        """The consumer is about to stop: commit what is pending, and from now on each batch at once."""
        self._interval_s = 0.0
        await self.commit()

    async def commit(self) -> None:
        """Commit now what is pending, on the partitions still assigned; a failure is logged and the offsets
        stay pending (the next commit carries them, or their records are replayed)."""
        async with self._lock:
            consumer = self._consumer
            if consumer is None or not self._pending:
                return
            assigned = consumer.assignment()
            offsets = {partition: offset for partition, offset in self._pending.items() if partition in assigned}
            self._pending = {}
            self._committed_at = time.monotonic()
            if not offsets:
                return
            try:
                # aiokafka retries a retriable failure without end: a broker that came back without the
                # topics (the dev broker keeps them in memory) held the consume loop, and a stop, for good.
                await asyncio.wait_for(consumer.commit(offsets), self._timeout_s)
            except (KafkaError, TimeoutError) as error:  # the broker away, or the group rebalancing: replayed at worst
                log.warning("committing offsets failed (%r); they are retried with the next", error)
                for partition, offset in offsets.items():
                    self._pending[partition] = max(offset, self._pending.get(partition, 0))

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._assigned -= set(revoked)
        self._gauge.set(len(self._assigned))
        if any(partition in self._pending for partition in revoked):
            await self.commit()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Consumption resumes from the group's committed offsets, whoever committed them."""
        self._assigned |= set(assigned)
        self._gauge.set(len(self._assigned))
        for partition in assigned:
            self._noted.pop(partition, None)
