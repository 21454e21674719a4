"""`python -m services.<name> [serve|migrate|revision MESSAGE|backup FILE|restore FILE|rotate-pii-key]`: the
same entry point for every service (`rotate-pii-key` where the service keeps sealed personal data)."""

import argparse
import asyncio
import contextlib
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from sqlmodel import SQLModel

from shared import backup, db, migrations
from shared.personal_data.rotation import Progress, reseal_committing
from shared.runtime import Runtime


def main(build_runtime: Callable[[], Runtime], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{build_runtime.__module__.split('.')[1]}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    commands.add_parser("migrate", help="apply the database migrations and exit")
    revision = commands.add_parser("revision", help="autogenerate the next migration from the tables")
    revision.add_argument("message")
    for name, text in (("backup", "write the service's database to FILE"),
                       ("restore", "replace the service's database with FILE (stop the service first)")):
        commands.add_parser(name, help=text).add_argument("file", type=Path)
    rotate = commands.add_parser(
        "rotate-pii-key", help="re-seal personal data under BANCHENG_PII_CURRENT_KID (idempotent; run again to resume)")
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
    rotate.add_argument("--reindex", action="store_true", help="recompute every blind index (a new index key)")
    args = parser.parse_args(argv)

    try:
        runtime = build_runtime()
    except ValueError as error:  # bad settings: one clear line, non-zero exit
        sys.exit("error: " + " ".join(str(error).split()))
    versions = runtime.migrations_dir
    if args.command in ("migrate", "revision", "rotate-pii-key"):
        asyncio.run(db.ensure_postgres_database(runtime.settings.database_url))
    if args.command == "rotate-pii-key":
        if runtime.keyring is None or not runtime.sealed_tables:
            sys.exit(f"error: {runtime.name} keeps no sealed personal data")
        migrations.upgrade(runtime.settings.database_url, versions)
        asyncio.run(rotate_personal_data(runtime, batch_size=args.batch_size, reindex=args.reindex))
    elif args.command == "migrate":
        migrations.upgrade(runtime.settings.database_url, versions)
    elif args.command in ("backup", "restore"):
        _backup_or_restore(args.command, runtime.settings.database_url, args.file)
    elif args.command == "revision":
        migrations.revision(runtime.settings.database_url, versions, SQLModel.metadata, args.message)
    else:
        serve(runtime)


def serve(runtime: Runtime) -> None:
    """Serve until stopped. The runtime starts beside the server (`/healthz` answers meanwhile); a start
    that fails stops the server, and the process exits non-zero, as when the start ran before serving."""
    server = uvicorn.Server(uvicorn.Config(
        runtime.app(),
        host=runtime.settings.host,
        port=runtime.settings.port,
        log_level=runtime.settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    ))

    def stop_serving() -> None:
        server.should_exit = True

    runtime.on_start_failure = stop_serving
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is a clean stop, as in uvicorn.run
        server.run()
    if runtime.startup.failure is not None:
        sys.exit(f"error: {runtime.name} did not start: {runtime.startup.state}")


def _backup_or_restore(command: str, database_url: str, file: Path) -> None:
    try:
        if command == "backup":
            print(f"{file}  sha256 {backup.backup(database_url, file)}")
        else:
            backup.restore(database_url, file)
            print(f"restored from {file}; `migrate` brings it to this version's schema")
    except (backup.BackupError, OSError, sqlite3.Error) as error:
        sys.exit("error: " + " ".join(str(error).split()))


async def rotate_personal_data(runtime: Runtime, *, batch_size: int, reindex: bool) -> None:
    """Every sealed table of the service re-sealed under the current key, a committed batch at a time;
    prints its progress (counts and keys, never values)."""
    keyring = runtime.keyring
    assert keyring is not None
    try:
        for spec in runtime.sealed_tables:

            def report(p: Progress, table: str = spec.table) -> None:
                print(f"{table}: {p.rows_read} rows read, {p.values_resealed} values re-sealed, up to {p.last_key}",
                      flush=True)

            progress = await reseal_committing(
                runtime.engine, spec, keyring, batch_size=batch_size, reindex=reindex, report=report)
            print(f"{spec.table}: done under key {keyring.current} ({progress.values_resealed} values re-sealed)")
    finally:
        await runtime.engine.dispose()
