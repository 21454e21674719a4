"""A service's database backed up to a file and restored from it: `python -m services.<name> backup|restore FILE`.

SQLite is copied with SQLite's online backup (a consistent snapshot while the service writes); PostgreSQL with
pg_dump's custom format and pg_restore. A restore replaces everything in the service's database; run it with
the service stopped. Restored services need nothing from the bus to be consistent: an unsent outbox row is
published again and consumers drop what they already applied, so services restored from backups taken at
different moments converge (docs/operations.md, "Backup and restore").
"""

import asyncio
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from shared import db


class BackupError(ValueError):
    """A backup or restore that cannot be done: one clear line for the operator."""


def backup(database_url: str, target: Path) -> str:
    """Write the database to `target`; returns its SHA-256 (the runbook records it beside the file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no database at {source}")
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
    return _sha256(target)


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in `source` (made by `backup` for the same kind)."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if source.read_bytes()[:16] != b"SQLite format 3\x00":
            raise BackupError(f"{source} is not a SQLite backup")
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in (target.with_name(target.name + suffix) for suffix in ("-wal", "-shm")):
            stale.unlink(missing_ok=True)  # a write-ahead log of the replaced database must not be replayed onto it
        staged = Path(tempfile.mkstemp(dir=target.parent, prefix=target.name + ".")[1])
        shutil.copyfile(source, staged)
        os.replace(staged, target)
    else:
        asyncio.run(db.ensure_postgres_database(database_url))
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq(url)}", str(source)])


def _sqlite_path(url: URL) -> Path:
    if not url.database:
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(url.database)


def _libpq(url: URL) -> str:
    """The SQLAlchemy URL as libpq's command-line tools take it (no driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {' '.join(done.stderr.split())}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
