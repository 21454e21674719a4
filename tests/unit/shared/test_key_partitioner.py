"""The outbox producer's partitioner puts every key where Kafka's default partitioner does."""

import uuid

from aiokafka.partitioner import DefaultPartitioner

from shared.bus import key_partitioner


def test_key_partitioner_picks_the_default_partitioners_partition_for_every_key_again_and_again() -> None:
    partitions = list(range(8))
    keys = [str(uuid.uuid4()).encode() for _ in range(200)] + [b"", b"FT-1", "案件".encode()]
    for _ in range(2):  # the second time from the remembered hashes
        assert [key_partitioner(k, partitions, partitions) for k in keys] == [
            DefaultPartitioner()(k, partitions, partitions) for k in keys
        ]
    assert key_partitioner(b"FT-1", [0, 1, 2], [0, 1, 2]) == DefaultPartitioner()(b"FT-1", [0, 1, 2], [0, 1, 2])


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    assert {key_partitioner(None, [0, 1, 2, 3], [2]) for _ in range(20)} == {2}
