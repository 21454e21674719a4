"""`python -m services.<name> [serve|migrate|revision MESSAGE|backup FILE|restore FILE]`: the same entry point
for every service."""

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from sqlmodel import SQLModel

from shared import backup, db, migrations
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
    args = parser.parse_args(argv)

    try:
        runtime = build_runtime()
    except ValueError as error:  # bad settings: one clear line, non-zero exit
        sys.exit("error: " + " ".join(str(error).split()))
    versions = runtime.migrations_dir
    if args.command in ("migrate", "revision"):
        asyncio.run(db.ensure_postgres_database(runtime.settings.database_url))
    if args.command == "migrate":
        migrations.upgrade(runtime.settings.database_url, versions)
    elif args.command in ("backup", "restore"):
        _backup_or_restore(args.command, runtime.settings.database_url, args.file)
    elif args.command == "revision":
        migrations.revision(runtime.settings.database_url, versions, SQLModel.metadata, args.message)
    else:
        uvicorn.run(
            runtime.app(),
            host=runtime.settings.host,
            port=runtime.settings.port,
            log_level=runtime.settings.log_level.lower(),
            timeout_graceful_shutdown=10,
        )


def _backup_or_restore(command: str, database_url: str, file: Path) -> None:
    try:
        if command == "backup":
            print(f"{file}  sha256 {backup.backup(database_url, file)}")
        else:
            backup.restore(database_url, file)
            print(f"restored from {file}; `migrate` brings it to this version's schema")
    except (backup.BackupError, OSError, sqlite3.Error) as error:
        sys.exit("error: " + " ".join(str(error).split()))
