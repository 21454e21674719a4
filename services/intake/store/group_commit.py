"""Group commit: concurrent requests' writes go to the database in one transaction.

Each request submits a member and waits. One writer task takes every member queued so far, writes
them with one `transact` call (one transaction: written and committed, or rolled back when it
raises), and only then answers each member — so a
response never runs ahead of a durable commit. Batches form by themselves: while one commits, the
next requests queue up; nothing waits for a timer.

`transact` answers one outcome per member: a result, or an exception that member alone gets (a reused
Idempotency-Key) while the others are written. Should the batch itself fail (a constraint, a bug,
the database), it is rolled back and each member is written again in a transaction of its own, so
the failing member gets its own error and the others still succeed.

Why: on SQLite, transactions of concurrent requests on several connections wait for the one write
lock in the busy handler's sleeps; one writer and one commit per batch removes the wait and spreads
a commit's cost over the batch. On PostgreSQL it saves a round trip per statement and commit.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from prometheus_client import Histogram

log = logging.getLogger(__name__)
BATCH_SIZE = Histogram("bancheng_intake_group_commit_batch_size", "Members written per group commit",
                       buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
COMMIT_SECONDS = Histogram("bancheng_intake_group_commit_seconds", "From a batch's start to its commit",
                           buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1))
M = TypeVar("M")
R = TypeVar("R")
Transact = Callable[[Sequence[M]], Awaitable[Sequence[R | BaseException]]]


class GroupCommit(Generic[M, R]):
    def __init__(
        self, *, transact: Transact, on_commit: Callable[[], None], max_batch: int = 256,
    ) -> None:
        self._transact = transact
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[M, asyncio.Future[R]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self, drain_timeout_s: float = 10.0) -> None:
        """Stop after the queued members are written (the HTTP server has drained its requests);
        whoever is still waiting after `drain_timeout_s` gets an error rather than no answer."""
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), drain_timeout_s)
        except TimeoutError:
            log.warning("group commit stopped with %d members unwritten", self._queue.qsize())
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        while not self._queue.empty():
            _answer([self._queue.get_nowait()], [RuntimeError("intake is stopping")])

    async def submit(self, member: M) -> R:
        """Write `member` with whoever else is waiting; answers after the commit, or raises its error."""
        if self._task is None or self._task.done():
            raise RuntimeError("the group commit is not running")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((member, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            except Exception as error:  # never leave a caller waiting
                log.exception("group commit failed outside any member")
                _answer(batch, [error] * len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[tuple[M, asyncio.Future[R]]]) -> None:
        started = time.perf_counter()
        try:
            outcomes = await self._transact([member for member, _ in batch])
        except Exception as error:  # noqa: BLE001 - isolate whoever caused it
            if len(batch) == 1:
                _answer(batch, [error])
                return
            log.warning("a batch of %d failed (%s); writing its members one by one", len(batch), error)
            for one in batch:
                await self._commit([one])
            return
        BATCH_SIZE.observe(len(batch))
        COMMIT_SECONDS.observe(time.perf_counter() - started)
        self._on_commit()
        _answer(batch, outcomes)


def _answer(batch: list[tuple[M, asyncio.Future[R]]], outcomes: Sequence[R | BaseException]) -> None:
    for (_, future), outcome in zip(batch, outcomes, strict=True):
        if future.done():  # the caller went away; what it asked for is written all the same
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
