"""Streaming verification of a stored audit log, optionally against signed checkpoints.

Memory stays constant in the number of entries: one small state per partition, the checkpoints, and at
most `max_faults` kept faults per partition. Entries of several partitions may be interleaved; within a
partition they come in chain order. Hashing (`entry_is_intact`) and the chain check (`ChainCheck`) are
apart, so a reader may hash the bytes it read its own way (`log_scan`) and feed only the links.
A log read in storage order, in slices, is checked by `slice_check` first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from services.audit.domain.checkpoints import SignedCheckpoint, checkpoint_is_authentic
from services.audit.domain.entries import StoredEntry, StoredRow, canonical_bytes, entry_hash, genesis_hash
from services.audit.domain.signing import VerifyingKeys

ChainKey = tuple[str, int]  # (topic, partition): one chain


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
    set_aside: tuple[ChainKey, ...] = ()  # chains a scan left to an ordered reading (see slice_check)

    @property
    def ok(self) -> bool:
        return self.fault_count == 0


class ChainLink(NamedTuple):
    """What the chain check needs of an entry, its content already checked against its own hash."""

    topic: str
    partition: int
    sequence: int
    event_id: str
    prev_hash: str
    entry_hash: str
    intact: bool  # the content hashes to entry_hash


@dataclass(slots=True)
class _PartitionState:
    expected: int
    head_hash: str
    checkpoints: deque[SignedCheckpoint] = field(default_factory=deque)
    last_checkpoint: int = 0


class _Faults:
    """Faults counted and kept per chain, reported chain by chain."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: dict[ChainKey, int] = {}
        self.kept: dict[ChainKey, list[ChainFault]] = {}

    def add(self, kind: FaultKind, topic: str, partition: int, sequence: int, event_id: str | None,
            detail: str) -> None:
        key = (topic, partition)
        self.counts[key] = self.counts.get(key, 0) + 1
        kept = self.kept.setdefault(key, [])
        if len(kept) < self.limit:
            kept.append(
                ChainFault(kind=kind, topic=topic, partition=partition, sequence=sequence, event_id=event_id,
                           detail=detail)
            )

    def count(self) -> int:
        return sum(self.counts.values())

    def first(self) -> tuple[ChainFault, ...]:
        return tuple(fault for kept in self.kept.values() for fault in kept)[: self.limit]


def verify_log(
    entries: Iterable[StoredEntry],
    *,
    checkpoints: Iterable[SignedCheckpoint] = (),
    public_key: VerifyingKeys | None = None,
    max_faults: int = 100,
) -> VerificationReport:
    """Check every entry's hash, every link of every partition's chain, and each signed checkpoint it
    should reach.

    Without checkpoints this proves internal consistency only: someone who rewrites a whole tail and
    recomputes its hashes goes unseen. With checkpoints (needs `public_key`), a rewrite ending before the
    last checkpoint, and any truncation below a checkpoint's sequence, are caught too.
    Raises ValueError when checkpoints are given without a key.
    """
    return verify_links(_links(entries), checkpoints=checkpoints, public_key=public_key, max_faults=max_faults)


def entry_is_intact(entry: StoredEntry) -> bool:
    """Its content hashes to its entry hash: a row read back as stored (`StoredRow`) also when its JSON
    was stored in another spelling (entries appended before payloads were stored in canonical form)."""
    try:
        return _hash_matches(entry) or (isinstance(entry, StoredRow) and _hash_matches(entry.respelled()))
    except ValueError:  # a prev_hash that is not hex, stored text that is not JSON, a naive occurred-at
        return False


def _hash_matches(entry: StoredEntry) -> bool:
    return entry_hash(entry.prev_hash, canonical_bytes(entry)) == entry.entry_hash


def _links(entries: Iterable[StoredEntry]) -> Iterator[ChainLink]:
    for entry in entries:
        yield ChainLink(
            entry.topic, entry.partition, entry.sequence, entry.event_id, entry.prev_hash, entry.entry_hash,
            entry_is_intact(entry)
        )


def authentic_checkpoints(
    checkpoints: Iterable[SignedCheckpoint], public_key: VerifyingKeys
) -> tuple[list[SignedCheckpoint], list[ChainFault]]:
    """The checkpoints whose signature verifies with `public_key`, and a fault for each of the others."""
    authentic, bad = [], []
    for checkpoint in checkpoints:
        if checkpoint_is_authentic(checkpoint, public_key):
            authentic.append(checkpoint)
        else:
            bad.append(ChainFault(
                kind=FaultKind.BAD_CHECKPOINT, topic=checkpoint.topic, partition=checkpoint.partition,
                sequence=checkpoint.sequence, event_id=None,
                detail=f"checkpoint signature does not verify with key {checkpoint.key_id}",
            ))
    return authentic, bad


def verify_links(
    links: Iterable[ChainLink],
    *,
    checkpoints: Iterable[SignedCheckpoint] = (),
    public_key: VerifyingKeys | None = None,
    max_faults: int = 100,
) -> VerificationReport:
    """The chain check of `verify_log`, over links whose content was already hashed, in storage order."""
    check = ChainCheck(checkpoints=checkpoints, public_key=public_key, max_faults=max_faults)
    check.feed(links)
    return check.report()


class ChainCheck:
    """The chain check fed links as they arrive (a chunk at a time); `report()` at the end.

    Links of several chains may be interleaved; each chain's links must come in chain order, and anything
    else is a fault. Raises ValueError when checkpoints are given without a key.
    """

    def __init__(
        self,
        *,
        checkpoints: Iterable[SignedCheckpoint] = (),
        public_key: VerifyingKeys | None = None,
        max_faults: int = 100,
    ) -> None:
        checkpoints = list(checkpoints)
        if checkpoints and public_key is None:
            raise ValueError("checking checkpoints needs the public key")
        self.faults = _Faults(max_faults)
        self.states: dict[ChainKey, _PartitionState] = {}
        self.checked = 0
        if public_key is not None:
            authentic, bad = authentic_checkpoints(checkpoints, public_key)
            for fault in bad:
                self.faults.add(fault.kind, fault.topic, fault.partition, fault.sequence, None, fault.detail)
            for checkpoint in sorted(authentic, key=lambda c: (c.topic, c.partition, c.sequence)):
                self._state_of(checkpoint.topic, checkpoint.partition).checkpoints.append(checkpoint)

    def _state_of(self, topic: str, partition: int) -> _PartitionState:
        key = (topic, partition)
        if key not in self.states:
            self.states[key] = _PartitionState(expected=1, head_hash=genesis_hash(topic, partition))
        return self.states[key]

    def feed(self, links: Iterable[ChainLink]) -> None:
        faults, states, state_of = self.faults, self.states, self._state_of
        checked = 0
        for topic, partition, sequence, event_id, prev_hash, link_hash, intact in links:
            checked += 1
            state = states.get((topic, partition)) or state_of(topic, partition)
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
                faults.add(FaultKind.MISSING, topic, partition, sequence, event_id,
                           f"entries {missing} are missing before it")
            elif intact and prev_hash != state.head_hash:
                faults.add(
                    FaultKind.BROKEN_LINK, topic, partition, sequence, event_id,
                    f"prev_hash is not the hash of entry {sequence - 1}: that entry was altered or replaced",
                )
            state.expected = sequence + 1
            state.head_hash = link_hash

            pending = state.checkpoints
            while pending and pending[0].sequence < sequence:  # fell in a gap already reported as missing
                pending.popleft()
            if pending and pending[0].sequence == sequence:
                # A head may be signed twice (inline, then by an export).
                while pending and pending[0].sequence == sequence:
                    checkpoint = pending.popleft()
                    if checkpoint.head_hash != link_hash:
                        faults.add(
                            FaultKind.CHECKPOINT_MISMATCH, topic, partition, sequence, event_id,
                            f"differs from the head signed at {checkpoint.signed_at.isoformat()}: entries "
                            f"{state.last_checkpoint + 1}..{sequence} were rewritten",
                        )
                state.last_checkpoint = sequence
        self.checked += checked

    def report(self) -> VerificationReport:
        for (topic, partition), state in self.states.items():
            for checkpoint in state.checkpoints:
                self.faults.add(
                    FaultKind.TRUNCATED, topic, partition, checkpoint.sequence, None,
                    f"log ends at {state.expected - 1} but sequence {checkpoint.sequence} was signed at "
                    f"{checkpoint.signed_at.isoformat()}: entries were deleted from the end",
                )
            state.checkpoints.clear()
        return VerificationReport(entries_checked=self.checked, fault_count=self.faults.count(),
                                  faults=self.faults.first())
