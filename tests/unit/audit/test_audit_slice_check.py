"""A log read in slices of its table: each chain's runs join into whole chains, and any surprise sends the
chain to be read again in chain order (where its faults are named)."""

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.checkpoints import sign_checkpoint
from services.audit.domain.slice_check import SliceCheck, join_slices
from tests.unit.audit.conftest import TOPIC, links_of

AT = datetime(2026, 3, 3, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()


def signed(entries, *sequences):
    return [sign_checkpoint(head=entries[s - 1].head, private_key=KEY, signed_at=AT) for s in sequences]


def joined(slices, checkpoints=(), *, intact=lambda entry: True):
    """Each slice (a list of entries in storage order) checked on its own, then the reports joined."""
    reports = []
    for entries in slices:
        check = SliceCheck(checkpoints)
        check.feed(links_of(entries, intact=intact))
        reports.append(check.report())
    return join_slices(reports, checkpoints)


def interleaved(*chains):
    return [entry for row in zip(*chains, strict=True) for entry in row]


def test_chains_cut_anywhere_by_slices_join_whole_past_their_signed_heads(build_chain):
    a, b = build_chain(12, partition=0), build_chain(12, partition=1)
    stored = interleaved(a, b)
    checkpoints = signed(a, 4, 4, 12) + signed(b, 7)  # one head signed twice: inline, then by an export
    assert joined([stored[:7], stored[7:8], [], stored[8:]], checkpoints) == ({(TOPIC, 0): 12, (TOPIC, 1): 12}, set())


def test_chain_read_out_of_order_in_its_slice_is_read_again_the_others_kept(build_chain):
    a, b = build_chain(6, partition=0), build_chain(6, partition=1)
    b[2], b[3] = b[3], b[2]
    assert joined([interleaved(a, b)]) == ({(TOPIC, 0): 6}, {(TOPIC, 1)})


def test_link_that_does_not_hash_right_sends_its_chain_to_be_read_again(build_chain):
    entries = build_chain(6)
    assert joined([entries[:3], entries[3:]], intact=lambda entry: entry.sequence != 5) == ({}, {(TOPIC, 0)})


def test_link_that_does_not_follow_the_entry_before_sends_its_chain_to_be_read_again(build_chain):
    entries = build_chain(6)
    entries[4] = entries[4]._replace(prev_hash=entries[2].entry_hash)  # hashes right, but chained elsewhere
    assert joined([entries]) == ({}, {(TOPIC, 0)})


def test_runs_that_do_not_join_where_slices_meet_send_the_chain_to_be_read_again(build_chain):
    entries = build_chain(8)
    assert joined([entries[:4], entries[5:]]) == ({}, {(TOPIC, 0)})  # the 5th deleted, at the join
    assert joined([entries[1:4], entries[4:]]) == ({}, {(TOPIC, 0)})  # the first deleted
    assert joined([entries[4:], entries[:4]]) == ({}, {(TOPIC, 0)})  # a chain's start stored after its end


def test_signed_head_not_reached_or_not_matched_sends_the_chain_to_be_read_again(build_chain):
    a, b, c = build_chain(6, partition=0), build_chain(6, partition=1), build_chain(3, partition=2)
    rewritten = b[5]._replace(entry_hash="00" * 32)
    checkpoints = signed(a, 6) + signed(b, 6) + signed(c, 3)
    stored = a[:5] + b[:5] + [rewritten]  # a truncated below its signed head, b's head not the one signed, c gone
    assert joined([stored[:4], stored[4:]], checkpoints) == ({}, {(TOPIC, 0), (TOPIC, 1), (TOPIC, 2)})
