from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.audit.domain.checkpoints import (
    checkpoint_due,
    checkpoint_from_json,
    checkpoint_is_authentic,
    sign_checkpoint,
)
from services.audit.domain.entries import ChainHead, append_entry
from services.audit.domain.signing import (
    KeyFormatError,
    generate_signing_key,
    key_id,
    load_private_key_file,
    load_private_key_pem,
    load_public_key_pem,
    private_key_to_pem,
    public_key_to_pem,
)
from services.audit.domain.verification import FaultKind, verify_log

SIGNED_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():
    return generate_signing_key()


def checkpoints_every(entries, every, key):
    return [sign_checkpoint(head=e.head, private_key=key, signed_at=SIGNED_AT)
            for e in entries if checkpoint_due(sequence=e.sequence, every=every)]


def test_private_key_round_trips_through_an_encrypted_pem_file(tmp_path, key):
    path = tmp_path / "audit.pem"
    path.write_bytes(private_key_to_pem(key, password=b"s3cret"))
    loaded = load_private_key_file(path, password=b"s3cret")
    assert key_id(loaded.public_key()) == key_id(key.public_key())
    with pytest.raises(KeyFormatError):
        load_private_key_file(path, password=b"wrong")


def test_public_key_export_loads_and_non_ed25519_keys_are_refused(key):
    assert key_id(load_public_key_pem(public_key_to_pem(key.public_key()))) == key_id(key.public_key())
    with pytest.raises(KeyFormatError):
        load_public_key_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(KeyFormatError):
        load_private_key_pem(b"not a pem")


def test_checkpoint_is_due_every_n_entries():
    assert [s for s in range(1, 11) if checkpoint_due(sequence=s, every=4)] == [4, 8]
    with pytest.raises(ValueError):
        checkpoint_due(sequence=1, every=0)


def test_checkpoint_signature_fails_for_another_key_or_an_edited_field(key):
    head = ChainHead(topic="t", partition=1, sequence=7, entry_hash="ab" * 32)
    checkpoint = sign_checkpoint(head=head, private_key=key, signed_at=SIGNED_AT)
    assert checkpoint_is_authentic(checkpoint, key.public_key())
    assert checkpoint_from_json(checkpoint.to_json()) == checkpoint
    assert not checkpoint_is_authentic(checkpoint, generate_signing_key().public_key())
    assert not checkpoint_is_authentic(replace(checkpoint, sequence=6), key.public_key())


def test_log_matching_its_checkpoints_verifies_with_the_public_key_only(build_chain, key):
    entries = build_chain(25)
    public = load_public_key_pem(public_key_to_pem(key.public_key()))
    assert verify_log(entries, checkpoints=checkpoints_every(entries, 10, key), public_key=public).ok


def test_checkpoints_without_a_key_are_refused(build_chain, key):
    entries = build_chain(10)
    with pytest.raises(ValueError):
        verify_log(entries, checkpoints=checkpoints_every(entries, 5, key))


def test_truncation_below_a_checkpoint_is_detected(build_chain, key):
    entries = build_chain(25)
    checkpoints = checkpoints_every(entries, 10, key)
    report = verify_log(entries[:17], checkpoints=checkpoints, public_key=key.public_key())
    assert [(f.kind, f.sequence) for f in report.faults] == [(FaultKind.TRUNCATED, 20)]
    assert "log ends at 17" in report.faults[0].detail


def test_partition_emptied_entirely_is_detected(build_chain, key):
    checkpoints = checkpoints_every(build_chain(10, partition=3), 10, key)
    report = verify_log([], checkpoints=checkpoints, public_key=key.public_key())
    assert [(f.kind, f.partition, f.sequence) for f in report.faults] == [(FaultKind.TRUNCATED, 3, 10)]


def test_tail_rewritten_with_recomputed_hashes_is_caught_by_the_checkpoint(build_chain, key):
    entries = build_chain(25)
    checkpoints = checkpoints_every(entries, 10, key)
    head = entries[12].head  # rewrite entries 14.. consistently, as an insider with database access could
    forged = entries[:13]
    for original in entries[13:]:
        entry = append_entry(head=head, event_id=original.event_id, event_type=original.event_type,
                             occurred_at=original.occurred_at, case_id=original.case_id,
                             payload={**original.payload, "description": "改写"}, headers=original.headers)
        forged.append(entry)
        head = entry.head
    assert verify_log(forged).ok  # the chain alone cannot see it
    report = verify_log(forged, checkpoints=checkpoints, public_key=key.public_key())
    assert [(f.kind, f.sequence) for f in report.faults] == [(FaultKind.CHECKPOINT_MISMATCH, 20)]
    assert "entries 11..20 were rewritten" in report.faults[0].detail


def test_forged_checkpoint_is_reported(build_chain, key):
    entries = build_chain(10)
    forged = replace(checkpoints_every(entries, 10, key)[0], head_hash="00" * 32)
    report = verify_log(entries, checkpoints=[forged], public_key=key.public_key())
    assert [f.kind for f in report.faults] == [FaultKind.BAD_CHECKPOINT]


def test_every_checkpoint_of_a_head_signed_twice_is_checked(build_chain, key):
    entries = build_chain(12)
    inline = checkpoints_every(entries, 10, key)[0]
    other = sign_checkpoint(head=entries[9].head._replace(entry_hash="ab" * 32), private_key=key, signed_at=SIGNED_AT)
    report = verify_log(entries, checkpoints=[inline, other], public_key=key.public_key())
    assert [(f.kind, f.sequence) for f in report.faults] == [(FaultKind.CHECKPOINT_MISMATCH, 10)]
