"""The quick check of a log read in slices of its table, in storage order, by several readers at once.

A reader sees each chain's entries stored in its slice: for an untouched chain, one run of consecutive
entries that may start and end anywhere in the chain (the slice before ends where it starts). Its check
(`SliceCheck`) only keeps, per chain, where the run starts and ends; the joined runs of every slice must
then make each chain whole, from its genesis to the last entry, past every signed head.
A chain with any surprise — a link that does not hash right or does not follow the one before, runs
that do not join, a signed head it does not reach — is not judged here: it is read again on its own, in
chain order, by `ChainCheck`, which tells a fault from a row stored out of place or in an old spelling,
and names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.audit.domain.checkpoints import SignedCheckpoint
from services.audit.domain.entries import genesis_hash
from services.audit.domain.verification import ChainKey, ChainLink


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive entries of one chain, each hashing right and linked to the one before."""

    first: int  # its first entry's sequence
    prev_hash: str  # the first entry's prev_hash: the hash of the entry before the run
    last: int
    head_hash: str  # the last entry's hash


@dataclass(frozen=True, slots=True)
class SliceReport:
    runs: dict[ChainKey, Run]
    doubtful: frozenset[ChainKey]


@dataclass(slots=True)
class _Running:
    first: int
    prev_hash: str
    expected: int
    head_hash: str
    signed: list[tuple[int, str]] = field(default_factory=list)  # the chain's signed heads, last first


class SliceCheck:
    """Fed a slice's links in storage order (a chunk at a time), chains interleaved; `report()` at the end.

    Every reader gets all `checkpoints` and checks those its runs pass; they need not be authentic yet
    (one that is not can only send its chain to be read again): `join_slices` takes the authentic ones.
    """

    def __init__(self, checkpoints: Iterable[SignedCheckpoint]) -> None:
        self.signed: dict[ChainKey, list[tuple[int, str]]] = {}
        for checkpoint in sorted(checkpoints, key=lambda c: c.sequence, reverse=True):
            chain = (checkpoint.topic, checkpoint.partition)
            self.signed.setdefault(chain, []).append((checkpoint.sequence, checkpoint.head_hash))
        self.running: dict[ChainKey, _Running] = {}
        self.doubtful: set[ChainKey] = set()

    def feed(self, links: Iterable[ChainLink]) -> None:
        running, doubtful = self.running, self.doubtful
        for topic, partition, sequence, _event_id, prev_hash, entry_hash, intact in links:
            key = (topic, partition)
            run = running.get(key)
            if run is None:
                if key in doubtful:
                    continue
                signed = [head for head in self.signed.get(key, ()) if head[0] >= sequence]
                run = running[key] = _Running(sequence, prev_hash, sequence, prev_hash, signed)
            if sequence != run.expected or prev_hash != run.head_hash or not intact:
                del running[key]
                doubtful.add(key)
                continue
            run.expected, run.head_hash = sequence + 1, entry_hash
            signed = run.signed
            while signed and signed[-1][0] == sequence:  # a head may be signed twice (inline, then by an export)
                if signed.pop()[1] != entry_hash:
                    del running[key]
                    doubtful.add(key)
                    break

    def report(self) -> SliceReport:
        return SliceReport(
            runs={key: Run(run.first, run.prev_hash, run.expected - 1, run.head_hash)
                  for key, run in self.running.items()},
            doubtful=frozenset(self.doubtful),
        )


def join_slices(reports: Sequence[SliceReport],
                checkpoints: Iterable[SignedCheckpoint]) -> tuple[dict[ChainKey, int], set[ChainKey]]:
    """The slices' reports, in storage order, joined: (the chains found whole, with their length; the
    chains to read again in chain order). A chain is whole when its runs follow one another from its
    genesis, and it reaches every signed head of `checkpoints` (authentic ones)."""
    doubtful = {key for report in reports for key in report.doubtful}
    heads: dict[ChainKey, Run] = {}
    for report in reports:
        for key, run in report.runs.items():
            if key in doubtful:
                continue
            before = heads.get(key)
            follows = (
                run.first == 1 and run.prev_hash == genesis_hash(*key)
                if before is None
                else run.first == before.last + 1 and run.prev_hash == before.head_hash
            )
            if follows:
                heads[key] = run
            else:
                doubtful.add(key)
    for checkpoint in checkpoints:  # a signed head beyond a chain's end, or of a chain with no entry left
        key = (checkpoint.topic, checkpoint.partition)
        if key not in doubtful and (key not in heads or heads[key].last < checkpoint.sequence):
            doubtful.add(key)
    return {key: run.last for key, run in heads.items() if key not in doubtful}, doubtful
