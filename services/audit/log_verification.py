"""Verifying the stored log: every chain read in order and checked by `domain.verification.verify_log`,
split over worker processes on a large log.

Chains are independent, so the log is cut into ranges of the chain index (`log_io.read_entries`), each
range verified by its own process with its own connection, and the reports merged. A range boundary is a
(topic, partition) key: every chain, known to the head table or not (a deleted head row), falls in
exactly one range. The work is balanced by the heads' sequences. Processes are forked (no re-import,
so a split pays off from a few tens of thousands of entries); each builds its own engine and loop.
"""

import asyncio
import gc
import multiprocessing
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select

from services.audit import log_io, log_store
from services.audit.domain.checkpoints import SignedCheckpoint
from services.audit.domain.verification import VerificationReport, verify_log
from services.audit.store import ChainHeadRow
from shared import db

ChainKey = log_io.ChainKey
Range = tuple[ChainKey | None, ChainKey | None]
SPLIT_FROM = 40_000  # entries: below this a fork costs more than it saves
_DONE = object()


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
        return await _verify_range(url, public_key, ranges[0], checkpoints, max_faults)
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
    # Reading allocates millions of rows, none in a reference cycle; the collector's passes over them
    # cost a fifth of the CPU. The pool and its workers end with this verification.
    gc.disable()
    public_key = Ed25519PublicKey.from_public_bytes(raw_key)
    return asyncio.run(_verify_range(url, public_key, chains, checkpoints, max_faults))


async def _verify_range(
    url: str, public_key: Ed25519PublicKey, chains: Range, checkpoints: list[SignedCheckpoint], max_faults: int
) -> VerificationReport:
    """Read the range on this loop and verify on a thread, so reading and hashing overlap."""
    engine = create_async_engine(url)
    chunks: queue.Queue[object] = queue.Queue(maxsize=4)

    def entries() -> Iterator[object]:
        while (chunk := chunks.get()) is not _DONE:
            yield from chunk  # type: ignore[attr-defined]

    outcome: list[VerificationReport | BaseException] = []

    def work() -> None:
        try:
            outcome.append(verify_log(entries(), checkpoints=checkpoints, public_key=public_key, max_faults=max_faults))
        except BaseException as error:  # noqa: BLE001 - raised again on the loop's side
            outcome.append(error)
            while chunks.get() is not _DONE:  # let the reader finish
                pass

    worker = threading.Thread(target=work)
    worker.start()
    try:
        async with engine.connect() as connection:
            async for chunk in log_io.read_entries(connection, from_chain=chains[0], to_chain=chains[1]):
                await asyncio.to_thread(chunks.put, chunk)
    finally:
        await asyncio.to_thread(chunks.put, _DONE)
        await asyncio.to_thread(worker.join)
        await engine.dispose()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
