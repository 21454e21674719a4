"""Where the group commit's transactions run: each batch in one hand-off to the database's side.

A batch's work — look up its Idempotency-Keys, take its case numbers, build and insert its rows,
commit — is a synchronous function of a SQLAlchemy `Connection`, run whole in one call:

- SQLite: in the writer's own thread with the synchronous driver (`sqlite3`) and its own engine.
  Through aiosqlite every statement, the begin and the commit were each a hop to aiosqlite's thread
  and back through the event loop (a dozen per batch); at trickle rates a batch holds one to three
  registrations, so those hops were most of what a registration cost.
- PostgreSQL (asyncpg, no synchronous driver installed): `AsyncConnection.run_sync`, the statements
  in one greenlet instead of one awaited coroutine chain each.

Either way the transaction commits before the call returns, or is rolled back when the function
raises, so the group commit still answers only after a commit.
"""

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import sqlite_pragmas

M = TypeVar("M")
R = TypeVar("R")
BatchWrite = Callable[[Connection, Sequence[M]], Sequence[R | BaseException]]


class BatchWriter(Protocol):
    async def transact(self, write: BatchWrite, members: Sequence[M]) -> Sequence[R | BaseException]: ...

    async def close(self) -> None: ...


class ThreadWriter:
    """SQLite: a synchronous engine used by one thread, a batch per hand-off. One writer thread is
    also one connection, as SQLite allows one writer per file at a time anyway."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake-writer")

    async def transact(self, write: BatchWrite, members: Sequence[M]) -> Sequence[R | BaseException]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._in_transaction, write, members)

    def _in_transaction(self, write: BatchWrite, members: Sequence[M]) -> Sequence[R | BaseException]:
        with self.engine.begin() as connection:
            return write(connection, members)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self.engine.dispose)
        self._thread.shutdown(wait=True)


class GreenletWriter:
    """PostgreSQL: the shared async engine, the batch's statements in one `run_sync`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def transact(self, write: BatchWrite, members: Sequence[M]) -> Sequence[R | BaseException]:
        async with self.engine.begin() as connection:
            return await connection.run_sync(write, members)

    async def close(self) -> None:
        """The engine is the runtime's; it disposes of it."""


def durable_writer(engine: AsyncEngine) -> BatchWriter:
    """The writer for the group commit. On SQLite its own synchronous engine on the same file, with the
    shared engine's pragmas (`synchronous=FULL`: an fsync per commit, the slow part of a commit, which the
    group commit pays once per batch; docs/performance.md). PostgreSQL commits durably already
    (synchronous_commit=on)."""
    if engine.dialect.name != "sqlite":
        return GreenletWriter(engine)
    url = engine.url.set(drivername="sqlite")  # the same file through the standard sqlite3 driver
    sync_engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False},
        # the same JSON encoding as the shared engine (shared/db.py), so both read what the other wrote
        json_serializer=lambda value: orjson.dumps(value).decode(), json_deserializer=orjson.loads,
    )
    event.listen(sync_engine, "connect", sqlite_pragmas)  # the shared engine's: WAL, synchronous=FULL
    return ThreadWriter(sync_engine)

