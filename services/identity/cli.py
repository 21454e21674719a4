"""`python -m services.identity [serve|migrate|revision|rotate-keys|add-user|add-client|add-org-unit|seed-demo]`.

The operator's commands work on the service's database directly (migrated first); bad input is one clear
line naming the field, and a non-zero exit."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from shared import cli, db, migrations
from services.identity.app import build_runtime
from services.identity.config import IdentitySettings, get_settings
from services.identity.domain.problems import Refused
from services.identity.store import demo, directory, keys
from services.identity.store.sealing import sealer_for

OPERATOR_COMMANDS = ("rotate-keys", "add-user", "reset-user", "add-client", "add-org-unit", "seed-demo")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.identity")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    commands.add_parser("migrate", help="apply the database migrations and exit")
    commands.add_parser("revision", help="autogenerate the next migration from the tables").add_argument("message")
    commands.add_parser("rotate-keys", help="a new signing key signs from now on; the old stays published a while")
    commands.add_parser("seed-demo", help="the demo district's users and clients (idempotent; not in production)")
    user = commands.add_parser("add-user", help="add a person")
    user.add_argument("--username", required=True)
    user.add_argument("--name", required=True, help="display name")
    user.add_argument("--role", required=True)
    user.add_argument("--district", required=True)
    user.add_argument("--hall")
    user.add_argument("--department")
    user.add_argument("--password", required=True)
    user.add_argument("--totp-secret", help="base32; generated for privileged roles when absent")
    user.add_argument("--must-change-password", action="store_true")
    reset = commands.add_parser("reset-user", help="new password (changed at next login) or TOTP secret; unlocks")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password")
    reset.add_argument("--new-totp", action="store_true")
    client = commands.add_parser("add-client", help="add or update an OAuth client")
    client.add_argument("--client-id", required=True)
    client.add_argument("--name", required=True)
    client.add_argument("--secret", required=True)
    client.add_argument("--grant-type", action="append", required=True, dest="grant_types")
    client.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris")
    client.add_argument("--scope", default="")
    client.add_argument("--role")
    client.add_argument("--district", required=True)
    client.add_argument("--department")
    unit = commands.add_parser("add-org-unit", help="add a district, hall or department")
    unit.add_argument("--district", required=True)
    unit.add_argument("--kind", required=True, choices=directory.ORG_KINDS)
    unit.add_argument("--code", required=True)
    unit.add_argument("--name", required=True)
    return parser


async def _in_transaction(settings: IdentitySettings, work: Callable[[AsyncSession], Awaitable[str]]) -> str:
    await db.ensure_postgres_database(settings.database_url)
    await asyncio.to_thread(migrations.upgrade, settings.database_url, build_runtime().migrations_dir)
    engine = db.create_engine(settings.database_url)
    try:
        async with db.session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def _work(settings: IdentitySettings, args: argparse.Namespace) -> Callable[[AsyncSession], Awaitable[str]]:
    now = datetime.now(UTC)

    async def rotate_keys(session: AsyncSession) -> str:
        row = await keys.rotate(session, sealer_for(settings.signing_secret), now=now)
        return f"new signing key {row.kid}; the previous ones stay in the JWKS for {settings.key_kept_after_retirement}"

    async def seed_demo(session: AsyncSession) -> str:
        await demo.seed(session, settings)
        return "demo district seeded"

    async def add_user(session: AsyncSession) -> str:
        account, secret = await directory.add_user(
            session, settings, username=args.username, display_name=args.name, role=args.role,
            district=args.district, hall=args.hall, department=args.department, password=args.password,
            totp_secret=args.totp_secret, must_change_password=args.must_change_password,
        )
        line = f"added {account.username} ({account.role})"
        return f"{line}; TOTP secret {secret} (enter it in an authenticator app)" if secret else line

    async def reset_user(session: AsyncSession) -> str:
        account, secret = await directory.reset_user(session, settings, username=args.username,
                                                     password=args.password, new_totp=args.new_totp)
        line = f"reset {account.username}"
        return f"{line}; TOTP secret {secret} (enter it in an authenticator app)" if secret else line

    async def add_client(session: AsyncSession) -> str:
        client = await directory.put_client(
            session, client_id=args.client_id, name=args.name, secret=args.secret, grant_types=args.grant_types,
            redirect_uris=args.redirect_uris, scope=args.scope, role=args.role, district=args.district,
            department=args.department,
        )
        return f"client {client.client_id} saved"

    async def add_org_unit(session: AsyncSession) -> str:
        unit = await directory.add_org_unit(session, district=args.district, kind=args.kind, code=args.code,
                                            name=args.name)
        return f"org unit {unit.id} saved"

    commands: dict[str, Any] = {"rotate-keys": rotate_keys, "seed-demo": seed_demo, "add-user": add_user,
                                "reset-user": reset_user, "add-client": add_client, "add-org-unit": add_org_unit}
    return commands[args.command]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.command not in OPERATOR_COMMANDS:  # serve, migrate, revision: as every service
        cli.main(build_runtime, argv)
        return
    try:
        settings = get_settings()
        print(asyncio.run(_in_transaction(settings, _work(settings, args))))
    except Refused as refused:
        sys.exit("error: " + refused.args[0])
    except ValueError as error:  # bad settings, or the demo in production
        sys.exit("error: " + " ".join(str(error).split()))
