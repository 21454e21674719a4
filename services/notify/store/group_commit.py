"""Group commit for the dispatcher's attempts: the senders' outcomes of a round written in one transaction."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """Attempts recorded together: each `add` waits until its own are written. A write waits, a moment at
    most (`linger_s`), until every sender still sending has added its attempt, so one write records a
    round of sends: a write per attempt or two cost more CPU than the sends themselves (docs/notify.md).
    The dispatcher's items are (claimed row, outcome) pairs."""

    def __init__(self, write: Callable[[list[T]], Awaitable[None]], *, linger_s: float = 0.02) -> None:
        self._write = write
        self._linger_s = linger_s
        self._senders = 0
        self._waiting: list[tuple[list[T], asyncio.Future[None]]] = []
        self._all_in = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    @contextmanager
    def sender(self) -> Iterator[None]:
        """Around a sender's run: while it runs, a write waits for its attempt (up to `linger_s`)."""
        self._senders += 1
        try:
            yield
        finally:
            self._senders -= 1
            self._note()

    async def add(self, settled: list[T]) -> None:
        written = asyncio.get_running_loop().create_future()
        self._waiting.append((settled, written))
        self._note()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        await written

    def _note(self) -> None:
        if len(self._waiting) >= self._senders:
            self._all_in.set()

    async def _drain(self) -> None:
        while self._waiting:
            if len(self._waiting) < self._senders:
                self._all_in.clear()
                with suppress(TimeoutError):  # a slow send: the others are written without it
                    await asyncio.wait_for(self._all_in.wait(), self._linger_s)
            batch, self._waiting = self._waiting, []
            try:
                await self._write([pair for settled, _written in batch for pair in settled])
            except Exception as error:  # noqa: BLE001 - each waiting sender's pass fails with it
                for _settled, written in batch:
                    written.set_exception(error)
            else:
                for _settled, written in batch:
                    written.set_result(None)
