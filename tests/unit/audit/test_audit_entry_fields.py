"""The audit entry's fields are defined once (`domain.entries.AuditEntry`): the table, the hash input and the
export follow that definition, and the hash input's bytes stay those every stored chain was built with."""

from datetime import datetime, timedelta, timezone

import orjson

from services.audit.domain.entries import (
    CONTENT_FIELDS,
    ENTRY_FIELDS,
    AuditEntry,
    ChainHead,
    append_entry,
    canonical_bytes,
    entry_from_json,
    entry_to_json,
)
from services.audit.store.tables import LogEntry

SHANGHAI_TIME = timezone(timedelta(hours=8))


def an_entry() -> AuditEntry:
    return append_entry(
        head=ChainHead.genesis(topic="bancheng.case.events", partition=2), event_id="e-1",
        event_type="case.registered", occurred_at=datetime(2026, 3, 2, 1, 2, 3, 40000, tzinfo=SHANGHAI_TIME),
        case_id='case-"1"', payload={"b": [1, 2.5, "办件"], "a": None}, headers={"ce_source": "intake"},
    )


def test_an_entry_hashes_to_the_bytes_and_hash_the_chain_has_always_given_it():
    entry = an_entry()

    assert canonical_bytes(entry) == (
        b'{"case_id":"case-\\"1\\"","event_id":"e-1","headers":{"ce_source":"intake"},'
        b'"occurred_at":"2026-03-01T17:02:03.040000+00:00","partition":2,'
        b'"payload":{"a":null,"b":[1,2.5,"\xe5\x8a\x9e\xe4\xbb\xb6"]},"sequence":1,'
        b'"topic":"bancheng.case.events","type":"case.registered"}'
    )
    assert entry.entry_hash == "6beef487f4e5057c4bd30a627301e48733f95740ab8a60486b0d48d98be231b1"


def test_the_log_table_holds_the_entry_fields_in_their_order_after_its_id():
    assert tuple(LogEntry.__table__.columns.keys()) == ("id", *ENTRY_FIELDS)  # type: ignore[attr-defined]  # SQLModel adds __table__


def test_the_hash_covers_every_content_field_and_nothing_else():
    hashed = orjson.loads(canonical_bytes(an_entry()))

    assert set(hashed) == {"type" if name == "event_type" else name for name in CONTENT_FIELDS}
    assert tuple(name for name in ENTRY_FIELDS if name not in ("prev_hash", "entry_hash")) == CONTENT_FIELDS


def test_an_exported_entry_holds_every_field_and_reads_back_as_the_same_entry():
    entry = an_entry()
    exported = orjson.loads(orjson.dumps(entry_to_json(entry)))

    assert tuple(exported) == ENTRY_FIELDS
    assert entry_from_json(exported) == entry


def test_a_table_row_exports_and_hashes_as_its_entry():
    entry = an_entry()
    row = LogEntry(**entry._asdict())

    assert canonical_bytes(row) == canonical_bytes(entry)
    assert entry_to_json(row) == entry_to_json(entry)
