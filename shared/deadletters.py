"""Inspect and replay a consumer group's dead-letter topic.

    python -m shared.deadletters list GROUP            one line per parked record, with its reason
    python -m shared.deadletters replay GROUP [--from-offset N] [--limit N]
                                                       publish the originals back to their topics

Replay sends the original key, value and headers (without the `dlq_*` ones) to the topic the record
was read from; consumers are idempotent, so replaying what was already applied changes nothing.
"""

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.bus import client_security
from shared.settings import get_kafka_settings
from shared.topics import dead_letter_topic


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str:
        return next((value.decode("utf-8", "replace") for key, value in self.headers if key == name), "")

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(key, value) for key, value in self.headers if not key.startswith("dlq_")]


async def read_dead_letters(
    bootstrap_servers: str, group: str, *, from_offset: int = 0, security: dict[str, Any] | None = None
) -> list[DeadLetter]:
    """Every record now in the group's dead-letter topic (all partitions), oldest first per partition.
    `security`: the client's credentials (shared.bus.client_security), none on the dev broker."""
    topic = dead_letter_topic(group)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False, **(security or {}))
    try:
        await consumer.start()
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        letters: list[DeadLetter] = []
        for partition in partitions:
            consumer.seek(partition, from_offset)
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            batches = await consumer.getmany(*partitions, timeout_ms=1000)
            for records in batches.values():
                letters += [
                    DeadLetter(r.partition, r.offset, r.key, r.value, list(r.headers or ())) for r in records
                ]
        return letters
    finally:
        await consumer.stop()


async def replay(bootstrap_servers: str, letters: list[DeadLetter], *, security: dict[str, Any] | None = None) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all", **(security or {}))
    await producer.start()
    try:
        sent = [
            await producer.send(
                letter.header("dlq_topic"), letter.value, key=letter.key, headers=letter.original_headers
            )
            for letter in letters
            if letter.header("dlq_topic")
        ]
        await asyncio.gather(*sent)
        return len(sent)
    finally:
        await producer.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.deadletters", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("group", help="the consumer group, e.g. routing or notify.sms")
    parser.add_argument("--from-offset", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # our one line says what failed
    settings = get_kafka_settings()
    servers, security = settings.bootstrap_servers, client_security(settings)
    try:
        letters = asyncio.run(
            read_dead_letters(servers, args.group, from_offset=args.from_offset, security=security)
        )[: args.limit]
    except Exception as error:  # noqa: BLE001 - one clear line for an operator
        sys.exit(f"error: cannot read {dead_letter_topic(args.group)} at {servers}: {' '.join(str(error).split())}")
    if args.command == "list":
        for letter in letters:
            print(
                f"{letter.partition}:{letter.offset}\t{letter.header('dlq_failed_at')}\t"
                f"{letter.header('dlq_topic')}[{letter.header('dlq_partition')}]@{letter.header('dlq_offset')}\t"
                f"{letter.header('ce_type') or '-'}\t{letter.header('dlq_reason')}"
            )
        print(f"{len(letters)} dead letters in {dead_letter_topic(args.group)}", file=sys.stderr)
    else:
        print(f"replayed {asyncio.run(replay(servers, letters, security=security))} records", file=sys.stderr)


if __name__ == "__main__":
    main()
