"""The pipeline's health as gauges every service samples: each consumer group's lag, and the age of the
oldest outbox row not yet published. A Runtime background loop, every `gauge_interval_s`.

Lag is read from the broker as an operator would (`kafka-consumer-groups --describe`): the group's
committed offsets against the end offsets of the partitions of the topics it reads. A partition the
group has not committed on yet counts from its beginning, since the groups start at the earliest
offset. The broker answers for the whole group, so with several replicas each reports the same figure
(the recording rule takes the max).
"""

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client import Gauge

from shared.bus import client_security
from shared.clock import now_utc
from shared.outbox_relay import OLDEST_UNSENT_AGE
from shared.settings import KafkaSettings

if TYPE_CHECKING:
    from shared.runtime import Runtime

log = logging.getLogger(__name__)

CONSUMER_LAG = Gauge(
    "bancheng_consumer_lag_messages",
    "Records on a topic not yet committed by a consumer group (end offset minus committed offset)",
    ["group", "topic"],
)
LAG_SAMPLED_AT = Gauge(
    "bancheng_consumer_lag_sampled_timestamp_seconds", "When a group's lag was last read from the broker", ["group"]
)


class LagReader:
    """An admin client (committed offsets) and a group-less consumer (partitions, end offsets)."""

    def __init__(self, settings: KafkaSettings, *, service: str) -> None:
        """With the service's own bus credentials: its ACLs let it describe its groups and topics."""
        client = {"bootstrap_servers": settings.bootstrap_servers, "client_id": f"bancheng-{service}-lag",
                  **client_security(settings)}
        self._admin = AIOKafkaAdminClient(**client)
        self._offsets = AIOKafkaConsumer(**client, enable_auto_commit=False)

    async def start(self) -> None:
        await self._admin.start()
        await self._offsets.start()

    async def close(self) -> None:
        await self._offsets.stop()
        await self._admin.close()

    async def lag(self, group: str, topics: Iterable[str], *, pattern: str | None = None) -> dict[str, int]:
        """The group's lag summed per topic, over every partition of `topics` and of those `pattern` matches.

        The partitions are named in the offset request: the form that asks for all of a group's offsets
        (a null list) is not answered in a form aiokafka reads by every broker (Tansu)."""
        wanted = list(dict.fromkeys(topics))
        if pattern:
            wanted += [topic for topic in await self._admin.list_topics() if re.fullmatch(pattern, topic)]
        if not wanted:
            return {}
        partitions = [
            TopicPartition(described["topic"], p["partition"])
            for described in await self._admin.describe_topics(wanted)
            for p in described["partitions"]
        ]
        if not partitions:
            return {}
        offsets = await self._admin.list_consumer_group_offsets(group, partitions=partitions)
        committed = {tp: meta.offset for tp, meta in offsets.items()}
        ends = await self._offsets.end_offsets(partitions)
        uncommitted = [tp for tp in partitions if committed.get(tp, -1) < 0]
        starts = await self._offsets.beginning_offsets(uncommitted) if uncommitted else {}
        lag: dict[str, int] = defaultdict(int)
        for tp in partitions:
            position = committed.get(tp, -1)
            lag[tp.topic] += max(ends[tp] - (position if position >= 0 else starts[tp]), 0)
        return dict(lag)


async def sample_pipeline_gauges(runtime: "Runtime") -> None:
    """Runtime background loop: lag of each of the service's groups and its outbox's oldest unsent row."""
    reader: LagReader | None = None
    try:
        while True:
            try:
                oldest = await runtime.relay.oldest_unsent_at()
                age = (now_utc() - oldest).total_seconds() if oldest else 0.0
                OLDEST_UNSENT_AGE.labels(runtime.name).set(max(age, 0.0))
            except Exception:
                log.exception("outbox age not sampled")
            try:
                if reader is None:
                    reader = await _started_reader(runtime)
                for consumer in runtime.consumers:
                    lag = await reader.lag(consumer.group, consumer.topics, pattern=consumer.pattern)
                    for topic, count in lag.items():
                        CONSUMER_LAG.labels(consumer.group, topic).set(count)
                    LAG_SAMPLED_AT.labels(consumer.group).set_to_current_time()
            except Exception:
                log.exception("consumer lag not sampled")
            await asyncio.sleep(runtime.settings.gauge_interval_s)
    finally:
        if reader is not None:
            await reader.close()


async def _started_reader(runtime: "Runtime") -> LagReader:
    reader = LagReader(runtime.kafka, service=runtime.name)
    try:
        await reader.start()
    except BaseException:
        await asyncio.shield(reader.close())
        raise
    return reader


def sampled(refresh: Callable[["Runtime"], Awaitable[None]], *, name: str) -> Callable[["Runtime"], Awaitable[None]]:
    """A service's gauges as a Runtime background loop: `refresh` now, then every `gauge_interval_s`; a
    failed pass is logged and the gauges keep their last values until the next one succeeds."""

    async def loop(runtime: "Runtime") -> None:
        while True:
            try:
                await refresh(runtime)
            except Exception:
                log.exception("%s not refreshed", name)
            await asyncio.sleep(runtime.settings.gauge_interval_s)

    loop.__name__ = f"sample_{name.replace(' ', '_')}"
    return loop


def set_counts(gauge: Gauge, counts: Mapping[tuple[str, ...], int], expected: Iterable[tuple[str, ...]] = ()) -> None:
    """Set a labelled gauge from a query's counts, every series it ever had included: one that has nothing
    now shows 0 (a district whose last red card closed), not its last count."""
    seen = _SERIES.setdefault(gauge, set())
    seen |= {*expected, *counts}
    for labels in seen:
        gauge.labels(*labels).set(counts.get(labels, 0))


_SERIES: dict[Gauge, set[tuple[str, ...]]] = {}
