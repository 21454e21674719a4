"""The audit log entry: canonical form, hash link and the append step.

Each Kafka topic partition has its own chain. An entry's `sequence` is the audit's own contiguous
counter within that partition (1, 2, 3…), not the Kafka offset, which may skip numbers.

    content_digest = SHA-256(canonical JSON of the entry's content)
    entry_hash     = SHA-256(prev_hash || content_digest)        (both as raw 32 bytes)

Hashing the content's digest rather than the content itself lets a case export prove its entries are in
the signed chain by showing only the digests of other cases' entries, never their content.
Hashes travel as lowercase hex.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, NamedTuple, get_type_hints

import orjson

GENESIS_DOMAIN = b"bancheng-audit-genesis/1"


class NaiveDatetimeError(ValueError):
    """An entry's occurred-at has no timezone: its instant would be ambiguous."""


class AuditEntry(NamedTuple):
    """An entry of the log, and the one definition of its fields: their names and order are the table's
    columns (`store.tables.LogEntry`), what the hash covers, what an export holds and what a verifier reads
    back (`StoredRow`)."""

    topic: str
    partition: int
    sequence: int
    event_id: str
    event_type: str
    occurred_at: datetime
    case_id: str | None
    payload: Mapping[str, Any]
    headers: Mapping[str, str]
    prev_hash: str
    entry_hash: str

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.topic, self.partition, self.sequence, self.entry_hash)


ENTRY_FIELDS: tuple[str, ...] = AuditEntry._fields
CONTENT_FIELDS = ENTRY_FIELDS[: ENTRY_FIELDS.index("prev_hash")]  # what the chain hashes: all but the two hashes
# An entry as a reader holds it: an AuditEntry, a StoredRow or a table row, each with ENTRY_FIELDS as attributes.
StoredEntry = Any
_content = attrgetter(*CONTENT_FIELDS)
_values = attrgetter(*ENTRY_FIELDS)


def utc_timestamp(moment: datetime) -> str:
    """`2026-01-05T01:02:03.000004+00:00`: one spelling per instant, whatever zone it came in."""
    if moment.tzinfo is UTC:  # the common case, asked first: the naive check costs as much as the spelling
        return moment.isoformat(timespec="microseconds")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(f"naive datetime {moment!r}: store timezone-aware UTC")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> bytes:
    """A JSON value in canonical form: what `canonical_bytes` embeds for payload and headers."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def canonical_bytes(entry: StoredEntry) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 (not \\u-escaped).

    Payload and headers must be JSON values (as decoded from the event); floats are spelled by orjson's
    shortest round-trip form, so an outside verifier should reuse this function or orjson. Either may also
    be an `orjson.Fragment` of its `canonical_json` text, embedded as is: the same bytes, without decoding
    and re-encoding stored JSON.
    """
    return _canonical(*_content(entry))


def _canonical(
    topic: str, partition: int, sequence: int, event_id: str, event_type: str, occurred_at: datetime,
    case_id: str | None, payload: Any, headers: Any,
) -> bytes:
    # The hash input's keys are the content fields' names (`event_type` spelled `type`): fixed with the chain, so
    # they are written out here, where the dict is built fastest; a test holds them to CONTENT_FIELDS.
    # orjson spells an aware UTC datetime as `utc_timestamp` does, but drops a zero fraction: given the
    # datetime in the usual case, it spells it far faster than `isoformat` (docs/performance.md).
    return orjson.dumps(
        {
            "case_id": case_id,
            "event_id": event_id,
            "headers": headers,
            "occurred_at": (occurred_at if occurred_at.tzinfo is UTC and occurred_at.microsecond
                            else utc_timestamp(occurred_at)),
            "partition": partition,
            "payload": payload,
            "sequence": sequence,
            "topic": topic,
            "type": event_type,
        },
        option=orjson.OPT_SORT_KEYS,
    )


_NEEDS_ESCAPE = re.compile(rb'[\x00-\x1f"\\]')  # what JSON, and orjson, escapes in a string
_STORED_CANONICAL = (
    b'{"case_id":"%s","event_id":"%s","headers":%s,"occurred_at":"%s","partition":%s,"payload":%s,'
    b'"sequence":%s,"topic":"%s","type":"%s"}'
)


def stored_canonical_bytes(
    topic: bytes, event_id: bytes, event_type: bytes, case_id: bytes | None, partition: bytes, sequence: bytes,
    occurred_at: bytes, payload: bytes, headers: bytes,
) -> bytes:
    """`canonical_bytes` of an entry read back as stored UTF-8 text, built without decoding it: partition
    and sequence as decimal digits, occurred-at as `utc_timestamp` spells it, payload and headers as the
    JSON stored. Stored text in another spelling gives other bytes (and another hash), never the same
    bytes for other content: every string is quoted, and escaped where JSON must escape it.
    Raises ValueError for a string that is not UTF-8."""
    if case_id is not None and _NEEDS_ESCAPE.search(b"".join((topic, event_id, event_type, case_id))) is None:
        # The usual entry: nothing to escape (orjson leaves CJK and every other character as it is).
        return _STORED_CANONICAL % (case_id, event_id, headers, occurred_at, partition, payload, sequence, topic,
                                    event_type)
    return b"".join((
        b'{"case_id":', b"null" if case_id is None else _json_string(case_id),
        b',"event_id":', _json_string(event_id),
        b',"headers":', headers,
        b',"occurred_at":"', occurred_at,
        b'","partition":', partition,
        b',"payload":', payload,
        b',"sequence":', sequence,
        b',"topic":', _json_string(topic),
        b',"type":', _json_string(event_type),
        b"}",
    ))


def _json_string(text: bytes) -> bytes:
    return b'"' + text + b'"' if _NEEDS_ESCAPE.search(text) is None else orjson.dumps(text.decode())


def content_digest(entry: StoredEntry) -> str:
    return hashlib.sha256(canonical_bytes(entry)).hexdigest()


def link_hash(prev_hash: str, digest: str) -> str:
    """The chain step: SHA-256 over the previous hash then the content digest, raw bytes."""
    return _link(prev_hash, bytes.fromhex(digest))


def entry_hash(prev_hash: str, content: bytes) -> str:
    """The hash of an entry whose canonical JSON is `content`, after `prev_hash`."""
    return _link(prev_hash, hashlib.sha256(content).digest())


def _link(prev_hash: str, digest: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + digest).hexdigest()


def genesis_hash(topic: str, partition: int) -> str:
    """The `prev_hash` of a partition's first entry; distinct per partition so chains cannot be spliced."""
    seed = GENESIS_DOMAIN + b"\x00" + topic.encode() + b"\x00" + str(partition).encode()
    return hashlib.sha256(seed).hexdigest()


# ChainHead is a named tuple, as AuditEntry is, not a frozen dataclass: appending makes one of each per
# event, and a frozen dataclass costs several times a tuple to build.
class ChainHead(NamedTuple):
    """The last entry of a partition's chain (sequence 0 and the genesis hash when empty)."""

    topic: str
    partition: int
    sequence: int
    entry_hash: str

    @classmethod
    def genesis(cls, *, topic: str, partition: int) -> ChainHead:
        return cls(topic=topic, partition=partition, sequence=0, entry_hash=genesis_hash(topic, partition))


class StoredRow(AuditEntry):
    """An entry as read back for verification: its payload and headers fields hold the JSON stored (UTF-8
    bytes or text), hashed as they are (embedded as `orjson.Fragment`), so verifying decodes no JSON unless
    the hash differs."""

    __slots__ = ()

    @property
    def payload(self) -> orjson.Fragment:  # type: ignore[override]  # the stored JSON, not decoded
        return orjson.Fragment(self[_PAYLOAD])

    @property
    def headers(self) -> orjson.Fragment:  # type: ignore[override]  # the stored JSON, not decoded
        return orjson.Fragment(self[_HEADERS])

    def respelled(self) -> SimpleNamespace:
        """The same entry with its JSON decoded, for text stored in another spelling (entries appended
        before payloads were stored in canonical form). Raises ValueError for text that is not JSON."""
        return SimpleNamespace(**{**self._asdict(), "payload": orjson.loads(self[_PAYLOAD]),
                                  "headers": orjson.loads(self[_HEADERS])})


_PAYLOAD, _HEADERS = ENTRY_FIELDS.index("payload"), ENTRY_FIELDS.index("headers")


def append_entry(
    *,
    head: ChainHead,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    case_id: str | None,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
) -> AuditEntry:
    """The next entry after `head`; its `.head` is the head to pass for the entry after it.

    Deduplication by event id is the store's job (a unique key), before calling this.
    Raises NaiveDatetimeError for a naive `occurred_at`.
    """
    topic, partition, sequence, prev_hash = head.topic, head.partition, head.sequence + 1, head.entry_hash
    content = _canonical(topic, partition, sequence, event_id, event_type, occurred_at, case_id, payload, headers)
    return AuditEntry(
        topic, partition, sequence, event_id, event_type, occurred_at, case_id, payload, headers, prev_hash,
        entry_hash(prev_hash, content),
    )


def entry_to_json(entry: StoredEntry) -> dict[str, Any]:
    """A stored entry as plain JSON values (for exports): its ENTRY_FIELDS, occurred-at as `utc_timestamp`."""
    return dict(zip(ENTRY_FIELDS, _values(entry), strict=True)) | {"occurred_at": utc_timestamp(entry.occurred_at)}


def _from_json(kind: Any) -> Callable[[Any], Any]:
    """How an exported field of this type is read back: text, integers and instants checked, the rest (an
    optional case id, payload, headers) kept as the JSON gave them."""
    return {str: str, int: int, datetime: datetime.fromisoformat}.get(kind, lambda value: value)


_READ_BACK = tuple(_from_json(kind) for kind in get_type_hints(AuditEntry).values())


def entry_from_json(data: Mapping[str, Any]) -> AuditEntry:
    """Inverse of `entry_to_json`; raises KeyError / ValueError on malformed input."""
    return AuditEntry(*(read(data[name]) for name, read in zip(ENTRY_FIELDS, _READ_BACK, strict=True)))
