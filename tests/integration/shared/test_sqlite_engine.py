"""The shared engine on SQLite: what every service's database file runs with."""

from sqlalchemy import text

from shared.db import create_engine


async def test_every_sqlite_connection_commits_in_wal_with_full_synchronous_durability(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    try:
        async with engine.connect() as connection:
            synchronous = await connection.scalar(text("PRAGMA synchronous"))
            journal_mode = await connection.scalar(text("PRAGMA journal_mode"))
    finally:
        await engine.dispose()

    # FULL (2): a batch acknowledged to the bus survives a power cut, not only a crash of the process
    assert (synchronous, journal_mode) == (2, "wal")
