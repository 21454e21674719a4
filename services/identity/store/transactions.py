"""The transaction of an identity request. On SQLite one at a time per process: each reads then writes
(a code, a token, a failure count), and a deferred SQLite transaction whose snapshot went stale while
another wrote fails at its first write instead of waiting. PostgreSQL locks the rows it must (token_api)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.consuming import Unit
from shared.db import is_postgres
from shared.runtime import Runtime

_sqlite_writers: dict[int, asyncio.Lock] = {}


@asynccontextmanager
async def transaction(runtime: Runtime) -> AsyncIterator[Unit]:
    if is_postgres(runtime.settings.database_url):
        async with runtime.unit() as unit:
            yield unit
        return
    async with _sqlite_writers.setdefault(id(runtime), asyncio.Lock()), runtime.unit() as unit:
        yield unit
