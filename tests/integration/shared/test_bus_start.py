"""A service's consumer groups join the bus together, not one after another, so a restarted service
answers (its /healthz included, which waits for the start) after one join, not the sum of them all."""

import time
import uuid

from prometheus_client import CollectorRegistry

from shared import bus
from shared.dev.broker import DevBroker
from shared.settings import KafkaSettings


async def test_every_consumer_group_starts_joining_before_the_first_has_joined(broker: DevBroker) -> None:
    settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    service = f"start-{uuid.uuid4().hex[:6]}"
    await bus.ensure_topics(settings, [f"bancheng.test.{service}"])
    kafka = bus.create_broker(settings, service=service, registry=CollectorRegistry())
    for group in range(4):
        kafka.subscriber(f"bancheng.test.{service}", group_id=f"{service}-{group}", auto_offset_reset="earliest")(
            lambda _message: None)
    spans: list[tuple[float, float]] = []
    for subscriber in kafka.subscribers:
        subscriber.start = timed(subscriber.start, spans)
    await kafka.start()
    try:
        assert len(spans) == 4
        first_joined = min(end for _, end in spans)
        assert all(begun < first_joined for begun, _ in spans), spans
    finally:
        await kafka.stop()


def timed(start, spans: list[tuple[float, float]]):
    async def wrapper() -> None:
        begun = time.monotonic()
        await start()
        spans.append((begun, time.monotonic()))

    return wrapper
