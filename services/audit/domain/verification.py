"""Streaming verification of a stored audit log, optionally against signed checkpoints.

Memory stays constant in the number of entries: one small state per partition, the checkpoints, and at
most `max_faults` kept faults. Entries of several partitions may be interleaved; within a partition they
must come in storage order (the store reads `ORDER BY topic, partition, sequence`).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain.checkpoints import SignedCheckpoint, checkpoint_is_authentic
from services.audit.domain.entries import StoredEntry, StoredRow, canonical_bytes, genesis_hash


class FaultKind(StrEnum):
    ALTERED = "altered"  # the entry's content no longer matches its own hash
    BROKEN_LINK = "broken_link"  # prev_hash is not the hash of the entry before
    MISSING = "missing"  # sequence numbers skipped: entries deleted
    OUT_OF_ORDER = "out_of_order"  # a sequence at or below one already seen: inserted, duplicated or moved
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"  # the chain no longer reaches a signed head hash
    TRUNCATED = "truncated"  # the log ends before a signed checkpoint's sequence
    BAD_CHECKPOINT = "bad_checkpoint"  # a checkpoint whose signature or key does not verify


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainFault:
    kind: FaultKind
    topic: str
    partition: int
    sequence: int
    event_id: str | None
    detail: str

    def __str__(self) -> str:
        where = f"{self.topic}[{self.partition}] #{self.sequence}"
        event = f" (event {self.event_id})" if self.event_id else ""
        return f"{self.kind}: {where}{event}: {self.detail}"


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationReport:
    entries_checked: int
    fault_count: int  # every fault found, including those beyond the kept `faults`
    faults: tuple[ChainFault, ...]

    @property
    def ok(self) -> bool:
        return self.fault_count == 0


@dataclass(slots=True)
class _PartitionState:
    expected: int
    head_hash: str
    checkpoints: deque[SignedCheckpoint] = field(default_factory=deque)
    last_checkpoint: int = 0


class _Faults:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.kept: list[ChainFault] = []

    def add(self, kind: FaultKind, topic: str, partition: int, sequence: int, event_id: str | None, detail: str) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(
                ChainFault(kind=kind, topic=topic, partition=partition, sequence=sequence, event_id=event_id, detail=detail)
            )


def verify_log(
    entries: Iterable[StoredEntry],
    *,
    checkpoints: Iterable[SignedCheckpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    max_faults: int = 100,
) -> VerificationReport:
    """Check every link of every partition's chain, and each signed checkpoint it should reach.

    Without checkpoints this proves internal consistency only: someone who rewrites a whole tail and
    recomputes its hashes goes unseen. With checkpoints (needs `public_key`), a rewrite ending before the
    last checkpoint, and any truncation below a checkpoint's sequence, are caught too.
    Raises ValueError when checkpoints are given without a key; NaiveDatetimeError from a naive occurred-at.
    """
    checkpoints = list(checkpoints)
    if checkpoints and public_key is None:
        raise ValueError("checking checkpoints needs the public key")
    faults = _Faults(max_faults)
    states: dict[tuple[str, int], _PartitionState] = {}

    def state_of(topic: str, partition: int) -> _PartitionState:
        key = (topic, partition)
        if key not in states:
            states[key] = _PartitionState(expected=1, head_hash=genesis_hash(topic, partition))
        return states[key]

    if public_key is not None:
        for checkpoint in sorted(checkpoints, key=lambda c: (c.topic, c.partition, c.sequence)):
            if checkpoint_is_authentic(checkpoint, public_key):
                state_of(checkpoint.topic, checkpoint.partition).checkpoints.append(checkpoint)
            else:
                faults.add(
                    FaultKind.BAD_CHECKPOINT, checkpoint.topic, checkpoint.partition, checkpoint.sequence, None,
                    f"checkpoint signature does not verify with key {checkpoint.key_id}",
                )

    sha256 = hashlib.sha256
    fromhex = bytes.fromhex

    def hash_matches(entry: StoredEntry) -> bool:
        return sha256(fromhex(entry.prev_hash) + sha256(canonical_bytes(entry)).digest()).hexdigest() == entry.entry_hash

    checked = 0
    for entry in entries:
        checked += 1
        topic, partition, sequence = entry.topic, entry.partition, entry.sequence
        state = states.get((topic, partition)) or state_of(topic, partition)
        event_id = entry.event_id
        try:
            intact = hash_matches(entry) or (isinstance(entry, StoredRow) and hash_matches(entry.respelled()))
        except ValueError:  # a prev_hash that is not hex, stored text that is not JSON
            intact = False
        if not intact:
            faults.add(FaultKind.ALTERED, topic, partition, sequence, event_id, "content does not match its hash")

        if sequence < state.expected:
            faults.add(
                FaultKind.OUT_OF_ORDER, topic, partition, sequence, event_id,
                f"sequence {sequence} comes after {state.expected - 1}: inserted, duplicated or moved",
            )
            continue
        if sequence > state.expected:
            missing = f"{state.expected}" if sequence == state.expected + 1 else f"{state.expected}..{sequence - 1}"
            faults.add(FaultKind.MISSING, topic, partition, sequence, event_id, f"entries {missing} are missing before it")
        elif intact and entry.prev_hash != state.head_hash:
            faults.add(
                FaultKind.BROKEN_LINK, topic, partition, sequence, event_id,
                f"prev_hash is not the hash of entry {sequence - 1}: that entry was altered or replaced",
            )
        state.expected = sequence + 1
        state.head_hash = entry.entry_hash

        pending = state.checkpoints
        while pending and pending[0].sequence < sequence:  # fell in a gap already reported as missing
            pending.popleft()
        if pending and pending[0].sequence == sequence:
            checkpoint = pending.popleft()
            if checkpoint.head_hash != entry.entry_hash:
                faults.add(
                    FaultKind.CHECKPOINT_MISMATCH, topic, partition, sequence, event_id,
                    f"differs from the head signed at {checkpoint.signed_at.isoformat()}: entries "
                    f"{state.last_checkpoint + 1}..{sequence} were rewritten",
                )
            state.last_checkpoint = sequence

    for (topic, partition), state in states.items():
        for checkpoint in state.checkpoints:
            faults.add(
                FaultKind.TRUNCATED, topic, partition, checkpoint.sequence, None,
                f"log ends at {state.expected - 1} but sequence {checkpoint.sequence} was signed at "
                f"{checkpoint.signed_at.isoformat()}: entries were deleted from the end",
            )
    return VerificationReport(entries_checked=checked, fault_count=faults.count, faults=tuple(faults.kept))
