"""Verifying the stored log: every entry hashed and every chain checked, the table split in slices over
worker processes on a large log (`log_scan`).

Each worker reads its slice of the table once, in storage order, in the verifier's snapshot, and keeps
each chain's run of entries (`domain.slice_check`); the runs are joined here, and a chain that does not
join up, or had any surprise, is read again in chain order and judged by `ChainCheck`, which names its
faults. Checkpoint signatures are checked once, here. Processes are forked (no re-import, so a split pays
off from a few tens of thousands of entries); each opens its own connection.
"""

import asyncio
import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext

from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import func, select

from shared import db
from services.audit.domain.checkpoints import SignedCheckpoint
from services.audit.domain.signing import VerifyingKeys
from services.audit.domain.slice_check import SliceReport, join_slices
from services.audit.domain.verification import ChainCheck, VerificationReport, authentic_checkpoints
from services.audit.store import audit_log, log_scan
from services.audit.store.tables import ChainHeadRow

SPLIT_FROM = 40_000  # entries: below this a fork costs more than it saves


async def verify_database(
    url: str, public_key: VerifyingKeys, *, max_faults: int = 100, workers: int | None = None
) -> VerificationReport:
    """Verify every entry and signed checkpoint; `workers` processes (default: one per core on a log of
    at least SPLIT_FROM entries, else a thread of this process)."""
    # Read before the snapshot is taken, so every entry a checkpoint signs is in it.
    engine = create_async_engine(url)
    try:
        async with db.session_factory(engine)() as session:
            checkpoints = await audit_log.checkpoints(session)
            entries = (await session.exec(select(func.coalesce(func.sum(ChainHeadRow.sequence), 0)))).one()
    finally:
        await engine.dispose()
    if workers is None:
        workers = (os.cpu_count() or 1) if entries >= SPLIT_FROM else 1
    async with log_scan.log_snapshot(url) as snapshot:
        slices = await snapshot.slices(workers)
        # The readers compare the entries they pass with every signed head, authentic or not: a forged one
        # can only send its chain to be read again. The signatures are checked meanwhile, here.
        pool = (ProcessPoolExecutor(len(slices), mp_context=multiprocessing.get_context("fork"))
                if len(slices) > 1 else None)
        scan = _scan_slice_in_process if pool else log_scan.scan_slice  # else in a thread of this process
        with pool or nullcontext():
            loop = asyncio.get_running_loop()
            scans = [loop.run_in_executor(pool, scan, url, snapshot.id, storage, checkpoints) for storage in slices]
            authentic, bad = authentic_checkpoints(checkpoints, public_key)
            reports = await asyncio.gather(*scans)
        whole, doubtful = join_slices(reports, authentic)
        reread = ChainCheck(
            checkpoints=[c for c in authentic if (c.topic, c.partition) in doubtful], public_key=public_key,
            max_faults=max_faults
        )
        await snapshot.read_in_order(sorted(doubtful), reread)
    second = reread.report()
    return VerificationReport(
        entries_checked=sum(whole.values()) + second.entries_checked,
        fault_count=len(bad) + second.fault_count,
        faults=(*bad, *second.faults)[:max_faults],
        set_aside=tuple(sorted(doubtful)),
    )


def _scan_slice_in_process(
    url: str, snapshot: str | None, storage: log_scan.Slice, checkpoints: list[SignedCheckpoint]
) -> SliceReport:
    # Reading allocates millions of objects, none in a reference cycle; the collector's passes over them
    # find nothing and were a large share of the CPU (docs/performance.md). The pool and its workers end
    # with this verification.
    gc.disable()
    return log_scan.scan_slice(url, snapshot, storage, checkpoints)
