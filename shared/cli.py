"""`python -m services.<name> [serve|migrate|revision MESSAGE]`: the same entry point for every service."""

import argparse
import asyncio
import sys
from collections.abc import Callable

import uvicorn
from sqlmodel import SQLModel

from shared import db, migrations
from shared.runtime import Runtime


def main(build_runtime: Callable[[], Runtime], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m services.{build_runtime.__module__.split('.')[1]}")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    commands.add_parser("migrate", help="apply the database migrations and exit")
    revision = commands.add_parser("revision", help="autogenerate the next migration from the tables")
    revision.add_argument("message")
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
