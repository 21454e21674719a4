"""Open311 api keys: one per client, naming the districts it may post to.

A key is 256 random bits shown once when issued; the table keeps its SHA-256 (a slow hash buys
nothing against a random key) with the client's name. `python -m services.intake open311-key add
--client NAME --district demo` issues one; `list` and `revoke` manage them.
"""

import argparse
import asyncio
import hashlib
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from shared import db, migrations
from shared.runtime import Runtime
from services.intake import store
from services.intake.config import district_catalogue
from services.intake.open311.catalogue import served

KEY_PREFIX = "o311_"
WRITE_ATTEMPTS = 5
T = TypeVar("T")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def _add(runtime: Runtime, *, client: str, districts: list[str]) -> str:
    key = new_key()
    async with runtime.sessions() as session, session.begin():
        session.add(store.Open311Key(key_hash=key_hash(key), client=client, districts=districts))
    return key


async def _list(runtime: Runtime) -> list[store.Open311Key]:
    async with runtime.sessions() as session:
        return list((await session.exec(select(store.Open311Key).order_by(col(store.Open311Key.created_at)))).all())


async def _revoke(runtime: Runtime, *, client: str) -> int:
    async with runtime.sessions() as session, session.begin():
        keys = (await session.exec(select(store.Open311Key).where(
            store.Open311Key.client == client, col(store.Open311Key.revoked_at).is_(None)))).all()
        for key in keys:
            key.revoked_at = datetime.now(UTC)
            session.add(key)
        return len(keys)


async def _written(write: Callable[[], Awaitable[T]]) -> T:
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


async def _run(runtime: Runtime, args: argparse.Namespace) -> None:
    try:
        if args.action == "add":
            print(await _written(lambda: _add(runtime, client=args.client, districts=args.district)))
            print(f"issued to {args.client} for {', '.join(args.district)}; shown once, keep it safe", file=sys.stderr)
        elif args.action == "list":
            for key in await _list(runtime):
                state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
                print(f"{key.client}\t{','.join(key.districts)}\t{key.created_at.isoformat()}\t{state}")
        else:
            print(f"{await _written(lambda: _revoke(runtime, client=args.client))} key(s) of {args.client} revoked")
    finally:
        await runtime.engine.dispose()


def main(runtime: Runtime, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.intake open311-key")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="issue a key (printed once)")
    add.add_argument("--client", required=True, help="who the key is for, e.g. the app's name")
    add.add_argument("--district", required=True, action="append", help="a district it may post to (repeatable)")
    actions.add_parser("list", help="the clients and their districts (never the keys)")
    revoke = actions.add_parser("revoke", help="revoke every key of a client")
    revoke.add_argument("--client", required=True)
    args = parser.parse_args(argv)
    if args.action == "add":
        open_to = {d.code for d in served(district_catalogue(runtime.settings.districts_dir))}
        if unknown := [d for d in args.district if d not in open_to]:
            sys.exit(f"error: {', '.join(unknown)} not served by Open311 (its pack does not list the open311 "
                     f"channel); served: {', '.join(sorted(open_to)) or 'none'}")
        if not args.client.strip():
            sys.exit("error: --client must not be empty")
    asyncio.run(db.ensure_postgres_database(runtime.settings.database_url))
    migrations.upgrade(runtime.settings.database_url, runtime.migrations_dir)
    asyncio.run(_run(runtime, args))
