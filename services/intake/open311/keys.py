"""Open311 api keys: one per client, naming the districts it may post to.

A key is 256 random bits shown once when issued; the table keeps its SHA-256 (a slow hash buys
nothing against a random key) with the client's name. `python -m services.intake open311-key add
--client NAME --district demo` issues one; `list` and `revoke` manage them (the command: `cli.py`).
"""

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from shared.runtime import Runtime
from services.intake import store

KEY_PREFIX = "o311_"
WRITE_ATTEMPTS = 5
T = TypeVar("T")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def add(runtime: Runtime, *, client: str, districts: list[str]) -> str:
    key = new_key()
    async with runtime.sessions() as session, session.begin():
        session.add(store.Open311Key(key_hash=key_hash(key), client=client, districts=districts))
    return key


async def listed(runtime: Runtime) -> list[store.Open311Key]:
    async with runtime.sessions() as session:
        return list((await session.exec(select(store.Open311Key).order_by(col(store.Open311Key.created_at)))).all())


async def revoke(runtime: Runtime, *, client: str) -> int:
    async with runtime.sessions() as session, session.begin():
        keys = (await session.exec(select(store.Open311Key).where(
            store.Open311Key.client == client, col(store.Open311Key.revoked_at).is_(None)))).all()
        for key in keys:
            key.revoked_at = datetime.now(UTC)
            session.add(key)
        return len(keys)


async def written(write: Callable[[], Awaitable[T]]) -> T:
    """`write` again when SQLite refused it as busy: this command writes beside the running service (a second
    writer on the file), and a deferred transaction whose snapshot another commit overtook fails at once, past
    any busy timeout; SQLite's remedy is to run the transaction again."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return await write()
        except OperationalError as error:
            if "database is locked" not in str(error) or attempt == WRITE_ATTEMPTS - 1:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")
