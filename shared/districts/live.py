"""District packs at run time: each service's part of every pack, per version, and the follower that applies
each version routing publishes on `bancheng.district.packs` (docs/districts.md, "At run time").

Every instance reads that compacted topic from its start, without a consumer group (so every instance
sees every version, and a restarted one recovers the newest of each district); a version is applied by
converting the service's part first and swapping it in with one assignment, so a reader sees the old part
or the new one, never half of each. A part that fails to convert was validated upstream: that is a bug, logged
and counted (`bancheng_district_pack_refused_total`), and the service keeps the version it had.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import Counter, Gauge

from shared.bus import client_security
from shared.envelope import Envelope, MalformedMessage
from shared.events.district import DistrictPackPublished
from shared.settings import KafkaSettings
from shared.topics import DISTRICT_PACKS

from .loader import PackInvalid, parse_pack
from .schema import DistrictPack

log = logging.getLogger(__name__)
T = TypeVar("T")

APPLIED = Gauge("bancheng_district_pack_version", "The newest district pack version a service applied",
                ["service", "district"])
REFUSED = Counter("bancheng_district_pack_refused_total",
                  "Published district pack versions a service could not apply (a bug: they were validated)",
                  ["service", "district"])


class PackParts(Mapping[str, T]):
    """A service's part of every district pack, by district and version. As a mapping: the newest version of
    each district (what a new case gets); `at` the version a case was registered under."""

    def __init__(self, convert: Callable[[DistrictPack], T], packs: Iterable[DistrictPack]) -> None:
        self._convert = convert
        # A pack that does not convert at start stops the start (it is the shipped one).
        self._versions: dict[str, dict[int, T]] = {pack.code: {pack.version: convert(pack)} for pack in packs}

    def apply(self, pack: DistrictPack) -> None:
        """Convert the service's part of `pack` (raising if it cannot), then put it in force at once."""
        part = self._convert(pack)
        versions = {**self._versions.get(pack.code, {}), pack.version: part}
        self._versions = {**self._versions, pack.code: versions}

    def __getitem__(self, district: str) -> T:
        versions = self._versions[district]
        return versions[max(versions)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)

    def at(self, district: str, version: int | None) -> T:
        """The part of `version`, or the newest when the case has none (registered before packs were versioned)
        or one this process never saw (published before the oldest version the compacted topic still holds)."""
        versions = self._versions[district]
        return versions[version] if version in versions else versions[max(versions)]

    def version(self, district: str) -> int:
        return max(self._versions[district])


def published_pack(envelope: Envelope) -> DistrictPack | None:
    """The pack an event of the packs topic publishes, validated again; None for another event type."""
    if envelope.type != DistrictPackPublished.type:
        return None
    event = envelope.event()
    assert isinstance(event, DistrictPackPublished)
    pack = parse_pack(event.pack, where=f"district {event.district} version {event.pack_version}")
    if pack.code != event.district or pack.version != event.pack_version:
        raise PackInvalid([f"the pack is {pack.code} version {pack.version}, the event says {event.district} "
                           f"version {event.pack_version}"])
    return pack


def apply_published(service: str, envelope: Envelope, apply: Callable[[DistrictPack], None]) -> bool:
    """Apply one published version; False (logged and counted, nothing applied) when it cannot be."""
    try:
        pack = published_pack(envelope)
        if pack is None:
            return False
        apply(pack)
    except Exception:  # whatever the conversion raises, the service keeps the version it had
        REFUSED.labels(service, envelope.district).inc()
        log.exception("%s did not apply district pack event %s of %s", service, envelope.id, envelope.district)
        return False
    APPLIED.labels(service, pack.code).set(pack.version)
    log.info("%s applied district %s version %s", service, pack.code, pack.version)
    return True


async def follow_packs(kafka: KafkaSettings, *, service: str, apply: Callable[[DistrictPack], None],
                       poll_ms: int = 500) -> None:
    """Apply every version published on the packs topic, from its start, until cancelled. A failure of the
    reader (the broker away) reads the topic again from the start: applying a version twice changes nothing."""
    while True:
        try:
            await _follow(kafka, service=service, apply=apply, poll_ms=poll_ms)
        except Exception:
            log.exception("%s: reading %s failed; reading it again from the start", service, DISTRICT_PACKS)
            await asyncio.sleep(1)


async def _follow(kafka: KafkaSettings, *, service: str, apply: Callable[[DistrictPack], None], poll_ms: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, client_id=f"{service}-packs",
                                group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                                **client_security(kafka))
    await consumer.start()
    try:
        partitions = await _partitions(consumer)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        while True:
            batches = await consumer.getmany(timeout_ms=poll_ms)
            for records in batches.values():
                for record in records:
                    try:
                        envelope = Envelope.from_kafka(record.value, list(record.headers or ()))
                    except MalformedMessage:
                        REFUSED.labels(service, "").inc()
                        log.exception("%s: a record of %s is not an event", service, DISTRICT_PACKS)
                        continue
                    apply_published(service, envelope, apply)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer) -> list[TopicPartition]:
    """The topic's partitions; the runtime created it before the background loops start, but the metadata
    may lag a moment behind."""
    while not (numbers := consumer.partitions_for_topic(DISTRICT_PACKS)):
        await consumer.topics()  # refreshes the metadata
        await asyncio.sleep(0.2)
    return [TopicPartition(DISTRICT_PACKS, number) for number in sorted(numbers)]
