"""Verifying the stored log: every entry hashed and every chain checked (`log_scan.verify_range`), split
over worker processes on a large log.

Chains are independent, so the log is cut into ranges of the chain index, each range verified by its own
process with its own connection, and the reports merged. A range boundary is a
(topic, partition) key: every chain, known to the head table or not (a deleted head row), falls in
exactly one range. The work is balanced by the heads' sequences. Processes are forked (no re-import,
so a split pays off from a few tens of thousands of entries); each opens its own connection.
"""

import asyncio
import gc
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select

from services.audit import log_scan, log_store
from services.audit.domain.checkpoints import SignedCheckpoint
from services.audit.domain.verification import VerificationReport
from services.audit.store import ChainHeadRow
from shared import db

ChainKey = log_scan.ChainKey
Range = log_scan.Range
SPLIT_FROM = 40_000  # entries: below this a fork costs more than it saves


async def verify_database(
    url: str, public_key: Ed25519PublicKey, *, max_faults: int = 100, workers: int | None = None
) -> VerificationReport:
    """Verify every entry and signed checkpoint; `workers` processes (default: one per core on a log of
    at least SPLIT_FROM entries, else this process alone)."""
    engine = create_async_engine(url)
    try:
        async with db.session_factory(engine)() as session:
            checkpoints = await log_store.checkpoints(session)
            heads = [(row.topic, row.partition, row.sequence) for row in await session.exec(select(ChainHeadRow))]
    finally:
        await engine.dispose()
    if workers is None:
        workers = (os.cpu_count() or 1) if sum(sequence for *_, sequence in heads) >= SPLIT_FROM else 1
    ranges = _ranges(heads, workers)
    if len(ranges) == 1:
        return await asyncio.to_thread(log_scan.verify_range, url, public_key, ranges[0], checkpoints, max_faults)
    raw_key = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with ProcessPoolExecutor(len(ranges), mp_context=multiprocessing.get_context("fork")) as pool:
        loop = asyncio.get_running_loop()
        parts = await asyncio.gather(*(
            loop.run_in_executor(pool, _verify_range_in_process, url, raw_key, chains, _within(checkpoints, chains), max_faults)
            for chains in ranges
        ))
    faults = tuple(fault for part in parts for fault in part.faults)[:max_faults]
    return VerificationReport(
        entries_checked=sum(part.entries_checked for part in parts),
        fault_count=sum(part.fault_count for part in parts),
        faults=faults,
        set_aside=tuple(chain for part in parts for chain in part.set_aside),
    )


def _ranges(heads: Sequence[tuple[str, int, int]], workers: int) -> list[Range]:
    """Up to `workers` consecutive ranges of chains holding about as many entries each."""
    ordered = sorted(heads)
    total = sum(sequence for *_, sequence in ordered)
    bounds: list[ChainKey] = []
    running = 0
    for topic, partition, sequence in ordered:
        if len(bounds) + 1 < workers and running >= total * (len(bounds) + 1) / workers:
            bounds.append((topic, partition))
        running += sequence
    edges: list[ChainKey | None] = [None, *bounds, None]
    return list(zip(edges, edges[1:]))


def _within(checkpoints: Sequence[SignedCheckpoint], chains: Range) -> list[SignedCheckpoint]:
    low, high = chains
    return [
        c for c in checkpoints
        if (low is None or (c.topic, c.partition) >= low) and (high is None or (c.topic, c.partition) < high)
    ]


def _verify_range_in_process(
    url: str, raw_key: bytes, chains: Range, checkpoints: list[SignedCheckpoint], max_faults: int
) -> VerificationReport:
    # Reading allocates millions of objects, none in a reference cycle; the collector's passes over them
    # cost a fifth of the CPU. The pool and its workers end with this verification.
    gc.disable()
    return log_scan.verify_range(url, Ed25519PublicKey.from_public_bytes(raw_key), chains, checkpoints, max_faults)
