from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.audit.domain.entries import (
    ChainHead,
    NaiveDatetimeError,
    StoredRow,
    append_entry,
    canonical_bytes,
    canonical_json,
    genesis_hash,
    stored_canonical_bytes,
    utc_timestamp,
)
from services.audit.domain.verification import ChainCheck, FaultKind, verify_log
from tests.unit.audit.conftest import links_of

TOPIC = "bancheng.case-events"


def kinds_at(report):
    return [(fault.kind, fault.sequence, fault.event_id) for fault in report.faults]


def test_canonical_form_is_sorted_compact_utf8_json(build_chain):
    entry = build_chain(1)[0]
    text = canonical_bytes(entry).decode("utf-8")
    assert text.startswith('{"case_id":"case-0","event_id":"evt-0-1","headers":{"ce_source":"intake"')
    assert "租赁备案材料不齐" in text and " " not in text
    assert '"occurred_at":"2026-03-02T01:00:00.000000+00:00"' in text


def test_same_instant_in_another_zone_hashes_the_same(build_chain):
    entry = build_chain(1)[0]
    shanghai = entry._replace(occurred_at=entry.occurred_at.astimezone(timezone(timedelta(hours=8))))
    assert canonical_bytes(shanghai) == canonical_bytes(entry)


@pytest.mark.parametrize("microsecond", [0, 1, 9, 10, 999_999, 123_456, 500_000])
def test_occurred_at_is_spelled_with_six_fraction_digits_in_utc(build_chain, microsecond):
    entry = build_chain(1)[0]
    for moment in (
        datetime(2026, 3, 2, 1, 2, 3, microsecond, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, 0, microsecond, tzinfo=UTC),
    ):
        text = canonical_bytes(entry._replace(occurred_at=moment))
        assert f'"occurred_at":"{utc_timestamp(moment)}"'.encode() in text
        assert utc_timestamp(moment).endswith(f".{microsecond:06d}+00:00")


def test_naive_occurred_at_is_refused():
    head = ChainHead.genesis(topic=TOPIC, partition=0)
    with pytest.raises(NaiveDatetimeError):
        append_entry(head=head, event_id="e", event_type="T", occurred_at=datetime(2026, 1, 1),
                     case_id=None, payload={}, headers={})


def test_first_entry_links_to_its_partitions_genesis(build_chain):
    first = build_chain(1, partition=2)[0]
    assert first.topic == TOPIC
    assert first.sequence == 1
    assert first.prev_hash == genesis_hash(TOPIC, 2) != genesis_hash(TOPIC, 3)


def test_untouched_log_of_interleaved_partitions_verifies(build_chain):
    left, right = build_chain(50, partition=0), build_chain(50, partition=1)
    interleaved = [entry for pair in zip(left, right, strict=True) for entry in pair]
    report = verify_log(interleaved)
    assert report.ok and report.entries_checked == 100 and report.faults == ()


@pytest.mark.parametrize("change", [
    {"payload": {"description": "已办结", "n": 4}},
    {"case_id": "case-other"},
    {"event_type": "CaseResolved"},
    {"occurred_at": datetime(2026, 3, 3, tzinfo=UTC)},
    {"headers": {"ce_source": "routing"}},
])
def test_edited_entry_is_named_as_altered(build_chain, change):
    entries = build_chain(10)
    entries[4] = entries[4]._replace(**change)
    report = verify_log(entries)
    assert kinds_at(report) == [(FaultKind.ALTERED, 5, "evt-0-5")]


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(build_chain):
    entries = build_chain(10)
    forged = append_entry(
        head=ChainHead(topic=TOPIC, partition=0, sequence=4, entry_hash=entries[3].entry_hash),
        event_id="evt-0-5", event_type="CaseResolved", occurred_at=entries[4].occurred_at,
        case_id=entries[4].case_id, payload={"forged": True}, headers={},
    )
    entries[4] = forged
    assert kinds_at(verify_log(entries)) == [(FaultKind.BROKEN_LINK, 6, "evt-0-6")]


def test_deleted_entry_is_reported_as_missing(build_chain):
    entries = build_chain(10)
    del entries[3:5]
    report = verify_log(entries)
    assert kinds_at(report) == [(FaultKind.MISSING, 6, "evt-0-6")]
    assert "entries 4..5 are missing" in str(report.faults[0])


def test_swapped_entries_are_both_named(build_chain):
    entries = build_chain(10)
    # Swap the rows' contents but keep each row's sequence, as an UPDATE of two rows would.
    a, b = entries[3], entries[4]
    entries[3], entries[4] = b._replace(sequence=a.sequence), a._replace(sequence=b.sequence)
    report = verify_log(entries)
    assert (FaultKind.ALTERED, 4, "evt-0-5") in kinds_at(report)
    assert (FaultKind.ALTERED, 5, "evt-0-4") in kinds_at(report)


def test_rows_read_out_of_order_are_named(build_chain):
    entries = build_chain(10)
    entries[3], entries[4] = entries[4], entries[3]
    report = verify_log(entries)
    assert (FaultKind.OUT_OF_ORDER, 4, "evt-0-4") in kinds_at(report)


def test_inserted_entry_with_a_taken_sequence_is_named(build_chain):
    entries = build_chain(10)
    intruder = entries[5]._replace(event_id="evt-intruder", payload={"n": "inserted"})
    entries.insert(6, intruder)
    report = verify_log(entries)
    assert (FaultKind.OUT_OF_ORDER, 6, "evt-intruder") in kinds_at(report)
    assert report.fault_count == 2  # its content does not match its copied hash either


def test_faults_beyond_the_limit_are_counted_not_kept(build_chain):
    entries = [entry._replace(payload={}) for entry in build_chain(30)]
    report = verify_log(entries, max_faults=5)
    assert report.fault_count == 30 and len(report.faults) == 5 and not report.ok


def test_malformed_prev_hash_is_reported_not_raised(build_chain):
    entries = build_chain(3)
    entries[1] = entries[1]._replace(prev_hash="not-hex")
    assert kinds_at(verify_log(entries)) == [(FaultKind.ALTERED, 2, "evt-0-2")]


def test_entries_read_back_with_their_json_as_stored_verify_without_decoding(build_chain):
    stored = [
        StoredRow(e.topic, e.partition, e.sequence, e.event_id, e.event_type, e.occurred_at, e.case_id,
                  canonical_json(e.payload).decode(), canonical_json(e.headers).decode(), e.prev_hash, e.entry_hash)
        for e in build_chain(20)
    ]
    built = build_chain(20)
    assert all(canonical_bytes(row) == canonical_bytes(entry) for row, entry in zip(stored, built, strict=True))
    assert verify_log(stored).ok


def test_ordered_check_fed_in_chunks_names_what_verify_log_names(build_chain):
    entries = build_chain(10)
    del entries[3:5]
    check = ChainCheck()
    check.feed(links_of(entries[:4]))
    check.feed(links_of(entries[4:]))
    assert kinds_at(check.report()) == kinds_at(verify_log(entries)) == [(FaultKind.MISSING, 6, "evt-0-6")]


@pytest.mark.parametrize("case_id", ["case-1", None, 'case-"办"\\\t\n\u0001\u007f😀'])
def test_canonical_bytes_built_from_stored_text_equal_the_encoders(build_chain, case_id):
    entry = build_chain(3)[2]._replace(case_id=case_id, event_id='evt-\\"\r', payload={"d": "租赁\n\\\t", "n": 1.5})
    stored = stored_canonical_bytes(
        entry.topic.encode(),
        entry.event_id.encode(),
        entry.event_type.encode(),
        None if case_id is None else case_id.encode(),
        str(entry.partition).encode(),
        str(entry.sequence).encode(),
        entry.occurred_at.isoformat(timespec="microseconds").encode(),
        canonical_json(entry.payload),
        canonical_json(entry.headers),
    )
    assert stored == canonical_bytes(entry)
