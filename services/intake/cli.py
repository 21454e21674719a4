"""Intake's own commands, beside every service's (shared/cli.py): `python -m services.intake open311-key
add|list|revoke` issues and revokes Open311 clients' api keys (docs/open311.md); `attachments-orphans
[--delete]` lists (and deletes) attachment objects no row names (docs/attachments.md)."""

import argparse
import asyncio
import sys
from datetime import timedelta

from shared import db, migrations
from shared.clock import now_utc
from shared.runtime import Runtime
from services.intake.app import IntakeRuntime
from services.intake.open311 import keys
from services.intake.open311.catalogue import served
from services.intake.store.attachments import orphaned_objects
from services.intake.store.objects import open_object_store


async def _run(runtime: Runtime, args: argparse.Namespace) -> None:
    try:
        if args.action == "add":
            print(await keys.written(lambda: keys.add(runtime, client=args.client, districts=args.district)))
            print(f"issued to {args.client} for {', '.join(args.district)}; shown once, keep it safe", file=sys.stderr)
        elif args.action == "list":
            for key in await keys.listed(runtime):
                state = f"revoked {key.revoked_at.isoformat()}" if key.revoked_at else "active"
                print(f"{key.client}\t{','.join(key.districts)}\t{key.created_at.isoformat()}\t{state}")
        else:
            revoked = await keys.written(lambda: keys.revoke(runtime, client=args.client))
            print(f"{revoked} key(s) of {args.client} revoked")
    finally:
        await runtime.engine.dispose()


def open311_key(runtime: IntakeRuntime, argv: list[str]) -> None:
    """`open311-key add|list|revoke`: Open311 clients' api keys on this intake's database."""
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
        open_to = {d.code for d in served(runtime.catalogue)}
        if unknown := [d for d in args.district if d not in open_to]:
            sys.exit(f"error: {', '.join(unknown)} not served by Open311 (its pack does not list the open311 "
                     f"channel); served: {', '.join(sorted(open_to)) or 'none'}")
        if not args.client.strip():
            sys.exit("error: --client must not be empty")
    asyncio.run(db.ensure_postgres_database(runtime.settings.database_url))
    migrations.upgrade(runtime.settings.database_url, runtime.migrations_dir)
    asyncio.run(_run(runtime, args))


async def _orphans(runtime: IntakeRuntime, *, older_than: timedelta, delete: bool) -> None:
    objects, close = await open_object_store(runtime.settings)
    try:
        for key in await orphaned_objects(runtime.sessions, objects, written_before=now_utc() - older_than):
            if delete:
                await objects.delete(key)
            print(f"{'deleted' if delete else 'orphan'}\t{key}")
    finally:
        await close()
        await runtime.engine.dispose()


def attachments_orphans(runtime: IntakeRuntime, argv: list[str]) -> None:
    """`attachments-orphans [--delete] [--older-than-hours H]`: objects left by a process killed between an
    attachment's put and its row's commit."""
    parser = argparse.ArgumentParser(prog="python -m services.intake attachments-orphans")
    parser.add_argument("--older-than-hours", type=float, default=1.0,
                        help="only objects written this long ago (an upload in flight has no row yet)")
    parser.add_argument("--delete", action="store_true", help="delete them (default: list them)")
    args = parser.parse_args(argv)
    migrations.upgrade(runtime.settings.database_url, runtime.migrations_dir)
    asyncio.run(_orphans(runtime, older_than=timedelta(hours=args.older_than_hours), delete=args.delete))
