"""The console on the bus: one more subscriber of the case, work-order and SLA streams, fanning each change out
to the browsers that may see it (store/live.py). It applies nothing and keeps nothing, so it needs neither the
inbox's dedupe nor committed offsets: each console process reads every partition on its own, without a
consumer group (no group to join, none to share), from the newest record on. A browser reloads what it shows
when it (re)connects, so what was published while no stream was open is not missed on screen."""

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from faststream import AckPolicy
from faststream.kafka import KafkaMessage

from shared.envelope import Envelope, MalformedMessage
from shared.topics import CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from services.console.domain.live import change_of
from services.console.store.live import LiveHub

if TYPE_CHECKING:
    from services.console.app import ConsoleRuntime

log = logging.getLogger(__name__)
LIVE_TOPICS = (CASE_EVENTS, WORKORDER_EVENTS, SLA_EVENTS)


def subscribe(runtime: "ConsoleRuntime") -> None:
    """Subscribe the runtime's broker to the live topics, publishing to the console's hub."""
    kafka = runtime.kafka
    fan_out = fan_out_to(runtime.live)
    runtime.broker.subscriber(
        *LIVE_TOPICS,
        group_id=None,
        batch=True,
        max_records=kafka.batch_max_records,
        batch_timeout_ms=kafka.batch_timeout_ms,
        fetch_max_wait_ms=kafka.fetch_max_wait_ms,
        auto_offset_reset="latest",
        ack_policy=AckPolicy.MANUAL,  # never acknowledged: without a group there is nothing to commit
        decoder=_the_batch,
        title="console-live",
    )(fan_out)


def fan_out_to(hub: LiveHub) -> Callable[[KafkaMessage], Awaitable[None]]:
    async def fan_out(message: KafkaMessage) -> None:
        """Each record of the batch, in order, becomes a change for the browsers that may see it."""
        for record in message.raw_message:
            try:
                envelope = Envelope.from_kafka(record.value, list(record.headers or ()))
            except MalformedMessage as error:
                log.debug("not shown live: %s[%s]@%s: %s", record.topic, record.partition, record.offset, error)
                continue
            change = change_of(record.topic, event_id=str(envelope.id), event_type=envelope.type,
                               case_id=envelope.case_id, district=envelope.district, hall=envelope.hall,
                               occurred_at=envelope.occurred_at, data=envelope.data)
            if change is not None:
                hub.publish(change)

    return fan_out


async def _the_batch(message: KafkaMessage) -> KafkaMessage:
    """The batch undecoded: each record is decoded on its own, so one bad record spoils nothing else."""
    return message
