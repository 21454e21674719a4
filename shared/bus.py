"""The bus: a FastStream broker with metrics, the outbox's producer, topic creation.

Tracing is not FastStream's middleware: the subscribers take whole batches (its spans would be one new
trace per batch) and the outbox relay publishes outside FastStream; `shared.tracing` traces each event."""

import asyncio
import contextlib
import logging
import random
from functools import lru_cache
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context
from aiokafka.partitioner import murmur2
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity, SASLScram512
from prometheus_client import CollectorRegistry

from shared.settings import KafkaSettings
from shared.topics import TOPIC_CONFIGS

log = logging.getLogger(__name__)


class Bus(KafkaBroker):
    """FastStream's Kafka broker, its subscribers started together: one after another, each consumer
    group's join was waited for in turn, and a service of seven groups (notify) answered nothing, not
    even /healthz, for that sum after a restart. (FastStream stops them together already.)"""

    async def start(self) -> None:
        await self.connect()
        await asyncio.gather(*(subscriber.start() for subscriber in self.subscribers))
        for publisher in self.publishers:
            await publisher.start()
        self.running = True


def create_broker(settings: KafkaSettings, *, service: str, registry: CollectorRegistry) -> KafkaBroker:
    return Bus(
        settings.bootstrap_servers,
        client_id=f"bancheng-{service}",
        security=broker_security(settings),
        acks=_acks(settings.acks),
        enable_idempotence=settings.idempotence,
        middlewares=[
            KafkaPrometheusMiddleware(registry=registry, app_name=f"bancheng-{service}"),
        ],
        logger=logging.getLogger(f"bancheng.{service}.broker"),
        log_level=logging.DEBUG,
        # Subscribers take the raw records and decode them themselves (shared.consuming): without this,
        # resolving a handler's `message` argument hopped to a worker thread on every batch.
        apply_types=False,
    )


def create_producer(settings: KafkaSettings, *, service: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=f"bancheng-{service}-outbox",
        acks=_acks(settings.acks),
        enable_idempotence=settings.idempotence,
        linger_ms=2,
        partitioner=key_partitioner,
        **client_security(settings),
    )


def client_security(settings: KafkaSettings) -> dict[str, Any]:
    """How an aiokafka client (producer, consumer, admin) authenticates: nothing on PLAINTEXT."""
    if settings.security_protocol == "PLAINTEXT":
        return {}
    return {
        "security_protocol": settings.security_protocol,
        "sasl_mechanism": settings.sasl_mechanism,
        "sasl_plain_username": settings.sasl_username,
        "sasl_plain_password": settings.sasl_password.get_secret_value(),
        "ssl_context": _ssl_context(settings),
    }


def broker_security(settings: KafkaSettings) -> BaseSecurity | None:
    """The same, as FastStream's security object for the broker its subscribers run on."""
    if settings.security_protocol == "PLAINTEXT":
        return None
    return SASLScram512(
        settings.sasl_username,
        settings.sasl_password.get_secret_value(),
        ssl_context=_ssl_context(settings),
        use_ssl=settings.security_protocol == "SASL_SSL",
    )


def _ssl_context(settings: KafkaSettings) -> Any:
    if settings.security_protocol != "SASL_SSL":
        return None
    return create_ssl_context(cafile=settings.ssl_cafile or None)


def key_partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """Kafka's default partitioner (murmur2 of the key, as the Java client), the hash remembered per key:
    aiokafka computes it in pure Python for every record (docs/performance.md), and a case's events (its id
    is the key) leave a service several times."""
    if key is None:
        return random.choice(available or all_partitions)
    return all_partitions[_key_hash(key) % len(all_partitions)]


@lru_cache(maxsize=16384)
def _key_hash(key: bytes) -> int:
    hashed: int = murmur2(key) & 0x7FFFFFFF
    return hashed


async def ensure_topics(settings: KafkaSettings, topics: list[str], *, wait_s: float = 0.0) -> None:
    """Create topics with the partition count we mean (auto-creation would pick the broker's). A broker
    that cannot be reached is tried again for up to `wait_s` (a service started before it, or while it
    restarts), then the connection error is raised."""
    admin = await _admin_when_reachable(settings, wait_s)
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, settings.partitions, settings.replication_factor, topic_configs=TOPIC_CONFIGS.get(name, {}))
            for name in dict.fromkeys(topics)
            if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service created it first
                await admin.create_topics(missing)
            await _wait_for_topics(admin, {topic.name for topic in missing})
    finally:
        await admin.close()


async def _admin_when_reachable(settings: KafkaSettings, wait_s: float) -> AIOKafkaAdminClient:
    deadline = asyncio.get_running_loop().time() + wait_s
    tries = 0
    while True:
        tries += 1
        admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers, client_id="bancheng-admin", **client_security(settings)
        )
        try:
            await admin.start()
            return admin
        except BaseException as error:  # cancelled too: the half-made client is closed
            await admin.close()
            if not isinstance(error, KafkaConnectionError) or asyncio.get_running_loop().time() >= deadline:
                raise
            if tries == 1:  # once: readiness says it meanwhile (shared/health.py)
                log.warning("the broker at %s is not reachable yet (%s); trying again for up to %.0f s",
                            settings.bootstrap_servers, error, wait_s)
            await asyncio.sleep(0.5)


async def _wait_for_topics(admin: AIOKafkaAdminClient, names: set[str]) -> None:
    for _ in range(50):
        if names <= set(await admin.list_topics()):
            return
        await asyncio.sleep(0.1)
    log.warning("topics not visible yet: %s", sorted(names))


def _acks(value: str) -> int | str:
    return value if value == "all" else int(value)
