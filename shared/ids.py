"""Ids that sort by the time they were made: event ids, case ids, work-order and deadline ids."""

import os
import time
from uuid import UUID


def time_ordered_id() -> UUID:
    """A UUIDv7 (RFC 9562; Python 3.14's `uuid.uuid7` has the same layout): Unix milliseconds in the first
    48 bits, then the version, the variant and 74 random bits. An id made later sorts later, so an index
    on such ids (audit's log, every service's applied ids and primary keys) grows at its end; a random id
    dirtied a page anywhere in the index on every insert, which slowed the audit log's appends as it grew."""
    value = time.time_ns() // 1_000_000 << 80 | int.from_bytes(os.urandom(10))
    return UUID(int=value & ~(0xF << 76 | 0x3 << 62) | 0x7 << 76 | 0x2 << 62)


def new_id() -> str:
    """A time-ordered id as stored: the text of `time_ordered_id`."""
    return str(time_ordered_id())
