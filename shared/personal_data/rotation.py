"""Re-sealing a table's personal columns under the current key, a batch at a time.

`reseal` walks a table in primary-key order, `batch_size` rows per transaction. A value already under
the current key is left alone, one under an older key is opened and sealed again, and a plaintext value
(a row written before its column was sealed) is sealed, its blind indexes filled from it. So a run is
idempotent, and a run stopped half-way resumes by running again. With `reindex`, every blind index is
recomputed (after the index key changed).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, RowMapping, column, select, table, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.personal_data.keyring import Keyring, is_sealed


@dataclass(frozen=True)
class SealedTable:
    """A table's sealed columns: `context(column, row key)` is what each value is bound to; `indexes`
    maps a blind-index column to (the sealed column it indexes, the index kind)."""

    table: str
    key: str
    columns: tuple[str, ...]
    context: Callable[[str, str], str]
    indexes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Progress:
    rows_read: int = 0
    values_resealed: int = 0
    last_key: str | None = None


def reseal_batch(connection: Connection, spec: SealedTable, keyring: Keyring, *, after: str | None,
                 batch_size: int, reindex: bool = False) -> tuple[int, int, str | None]:
    """One batch past `after`: (rows read, values re-sealed, the batch's last key; None when done)."""
    names = (spec.key, *spec.columns, *spec.indexes)
    rows_table = table(spec.table, *(column(name) for name in names))
    key = rows_table.c[spec.key]
    query = select(rows_table).order_by(key).limit(batch_size)
    if after is not None:
        query = query.where(key > after)
    rows = connection.execute(query).mappings().all()
    changes = []
    resealed = 0
    for row in rows:
        change: dict[str, str | None] = {}
        plain: dict[str, str] = {}
        for name in spec.columns:
            value = row[name]
            if value is None or keyring.is_current(value):
                continue
            context = spec.context(name, row[spec.key])
            plain[name] = keyring.open(value, context=context) if is_sealed(value) else value
            change[name] = keyring.seal(plain[name], context=context)
        for index, (source, kind) in spec.indexes.items():
            if row[index] is None or reindex:
                value = plain.get(source) or _opened(keyring, spec, row, source)
                if value is not None:
                    change[index] = keyring.blind_index(kind, value)
        if change:
            resealed += sum(1 for name in change if name in spec.columns)
            changes.append((row[spec.key], change))
    for row_key, change in changes:
        connection.execute(update(rows_table).where(key == row_key).values(change))
    return len(rows), resealed, (rows[-1][spec.key] if len(rows) == batch_size else None)


def _opened(keyring: Keyring, spec: SealedTable, row: RowMapping, source: str) -> str | None:
    value = row[source]
    if value is None:
        return None
    return keyring.open(value, context=spec.context(source, row[spec.key])) if is_sealed(value) else value


def reseal(connection: Connection, spec: SealedTable, keyring: Keyring, *, batch_size: int = 500,
           reindex: bool = False) -> Progress:
    """Every batch of `spec`'s table on one connection, in its transaction (a migration's)."""
    progress = Progress()
    while True:
        read, resealed, last = reseal_batch(connection, spec, keyring, after=progress.last_key,
                                            batch_size=batch_size, reindex=reindex)
        progress.rows_read += read
        progress.values_resealed += resealed
        if last is None:
            return progress
        progress.last_key = last


async def reseal_committing(engine: AsyncEngine, spec: SealedTable, keyring: Keyring, *, batch_size: int = 500,
                            reindex: bool = False, report: Callable[[Progress], None] = lambda _: None) -> Progress:
    """Every batch of `spec`'s table, each in a transaction of its own: a run stopped half-way keeps what
    it committed, and running it again goes on (values under the current key are left alone)."""
    progress = Progress()
    while True:
        async with engine.begin() as connection:
            read, resealed, last = await connection.run_sync(
                lambda sync: reseal_batch(sync, spec, keyring, after=progress.last_key, batch_size=batch_size,
                                          reindex=reindex))
        progress.rows_read += read
        progress.values_resealed += resealed
        progress.last_key = last or progress.last_key
        report(progress)
        if last is None:
            return progress
