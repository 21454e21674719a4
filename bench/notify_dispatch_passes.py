"""What one dispatch pass costs beside a history of delivered notifications: the claim, and the idle poll.

The dispatcher claims due deliveries each pass and, with none due, asks twice a second when the next one
is: both should cost what the open deliveries cost, however many were delivered before. Stores
`--history` delivered notifications in a migrated SQLite database (or a throwaway PostgreSQL one), then
times the dispatcher's own claim and next-due queries with nothing due, for every channel notify runs
by default and for one channel alone (a channel's own worker process, `build_channel_worker_runtime`).

    .venv/bin/python bench/notify_dispatch_passes.py [--history 200000] [--postgres]
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's notify, not the one the virtualenv's install points at
sys.path.insert(0, str(ROOT / "bench"))

from notify_throughput import store_history

from shared import db, migrations
from shared.personal_data import get_keyring
from services.notify.config import NotifySettings
from services.notify.domain.model import ChannelName
from services.notify.store import tables
from services.notify.workers.adapters import build_dispatcher

PASSES = 20


async def time_passes(url: str, channels: set[ChannelName]) -> tuple[float, float]:
    """Milliseconds a claim and a next-due query take, on average over `PASSES`."""
    engine = db.create_engine(url)
    try:
        settings = NotifySettings(database_url=url)
        dispatcher = build_dispatcher(settings, channels, keyring=get_keyring(environment=settings.environment))
        runtime = SimpleNamespace(sessions=db.session_factory(engine))
        figures = []
        for query in (dispatcher._claim, dispatcher._until_next_due):
            await query(runtime)  # the pool's connection made, the statement compiled
            started = time.perf_counter()
            for _ in range(PASSES):
                await query(runtime)
            figures.append((time.perf_counter() - started) / PASSES * 1000)
        return figures[0], figures[1]
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="notify-passes-") as work:
        url = (f"postgresql+asyncpg://postgres@127.0.0.1:5432/bancheng_bench_passes_{uuid.uuid4().hex[:8]}"
               if args.postgres else f"sqlite+aiosqlite:///{work}/notify.db")
        await db.ensure_postgres_database(url)
        try:
            await asyncio.to_thread(migrations.upgrade, url, Path(tables.__file__).parent.parent / "migrations")
            await store_history(url, args.history)
            every = NotifySettings(database_url=url).enabled_channels()
            for label, channels in (("every default channel", every), ("one channel (webhook)", {ChannelName.webhook})):
                claim, next_due = await time_passes(url, channels)
                print(f"{args.history:,} delivered ({'PostgreSQL' if args.postgres else 'SQLite'}), {label}: "
                      f"claim {claim:.1f} ms, next-due poll {next_due:.1f} ms a pass")
        finally:
            if args.postgres:
                await db.drop_postgres_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=200_000, help="delivered notifications stored first")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database (127.0.0.1:5432)")
    asyncio.run(main(parser.parse_args()))
