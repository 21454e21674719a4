"""Reading the log for verification: slices of the table by sequential scans, hashed from the driver's
bytes, and chains read again in chain order — all in one snapshot.

An index scan in chain order costs the server a random heap read per row, and per-row driver objects
(asyncpg records, datetimes, str) cost the client more than hashing. Here PostgreSQL sends a slice as
`COPY (SELECT …) TO STDOUT` text, split in Python, and SQLite's rows come from the stdlib driver as
bytes; each entry's canonical JSON is built from the stored columns (in Python from PostgreSQL's, in SQL
by SQLite: strings quoted and escaped as JSON, occurred-at as `utc_timestamp` spells it, payload and
headers as stored) and Python computes both hashes of every entry. The database is trusted for nothing
but handing over what it stores: a spelling that is not the canonical one simply does not hash right.

A slice is a range of the table's storage: pages on PostgreSQL (a TID range scan), rowids on SQLite, so
the readers read the table once between them. Rows come in storage order, which for an untouched chain
is sequence order; `slice_check` keeps each chain's runs, joined afterwards. A chain read otherwise, or
with a row that does not hash right, is read again on its own, ordered by the chain index, each row
decoded and hashed by the domain's encoder (`entry_is_intact`: old spellings, faults named).

One snapshot: PostgreSQL's readers import the snapshot the verifier exports and holds. SQLite cannot
share one, but assigns a new row a rowid above every stored one: readers read only up to the last rowid
of the verifier's snapshot, which holds every entry of the checkpoints read before it.
"""

import asyncio
import hashlib
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime
from urllib.parse import quote

import asyncpg
from sqlalchemy.engine import make_url

from services.audit.domain.checkpoints import SignedCheckpoint
from services.audit.domain.entries import StoredRow, stored_canonical_bytes
from services.audit.domain.slice_check import SliceCheck, SliceReport
from services.audit.domain.verification import ChainCheck, ChainKey, ChainLink, entry_is_intact

Slice = tuple[int, int | None]  # [first, end) of the storage: pages on PostgreSQL, rowids on SQLite; None: the end
Feed = Callable[[list[ChainLink]], None]
Names = dict[tuple[bytes, bytes], ChainKey]
Fields = Sequence[bytes | None]  # a row's columns as stored, UTF-8

_CHAIN_FIELDS = "topic, partition, sequence, event_id, prev_hash, entry_hash"
# PostgreSQL's scan: the columns as stored (occurred-at in the session's UTC), the canonical JSON built
# in Python (`stored_canonical_bytes`): spelling it on the server (to_json, to_char) cost the server
# three times what sending the columns does, more than building it here.
_PG_SCAN = f"SELECT {_CHAIN_FIELDS}, event_type, case_id, occurred_at, payload, headers FROM audit_entry"
# SQLite keeps any value in any column and does not check JSON on the way in: a row with a value of
# another type, or text that is not JSON, gets no canonical form; every string is quoted as JSON, so the
# text built is always a JSON document of exactly the stored values (no splicing one into another).
# SQLAlchemy stores occurred-at as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'.
_SQLITE_CANONICAL = (
    """iif(typeof(topic) = 'text' AND typeof(event_id) = 'text' AND typeof(event_type) = 'text'"""
    """ AND typeof(case_id) IN ('text', 'null') AND typeof(partition) = 'integer' AND typeof(sequence) = 'integer'"""
    """ AND typeof(occurred_at) = 'text' AND json_valid(payload) AND json_valid(headers),"""
    """ '{"case_id":' || json_quote(case_id) || ',"event_id":' || json_quote(event_id) || ',"headers":' || headers"""
    """ || ',"occurred_at":' || json_quote(replace(occurred_at, ' ', 'T') || '+00:00')"""
    """ || ',"partition":' || partition"""
    """ || ',"payload":' || payload || ',"sequence":' || sequence || ',"topic":' || json_quote(topic)"""
    """ || ',"type":' || json_quote(event_type) || '}', '')"""
)
# SQLite runs in this process: spelling the JSON in SQL costs about what building it in Python does.
_SQLITE_SCAN = f"SELECT {_CHAIN_FIELDS}, CAST({_SQLITE_CANONICAL} AS BLOB) FROM audit_entry NOT INDEXED"
# The ordered reading of one chain: each column as stored, UTF-8 (see `_link`).
_PG_CHAIN = (
    "SELECT topic, event_id, event_type, case_id, partition, sequence, "
    """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), """
    "prev_hash, entry_hash, payload, headers FROM audit_entry"
)
_SQLITE_CHAIN = "SELECT " + ", ".join(
    f"CAST({column} AS BLOB)" for column in (
        "topic", "event_id", "event_type", "case_id", "partition", "sequence",
        "replace(occurred_at, ' ', 'T') || '+00:00'",
        "prev_hash", "entry_hash", "iif(json_valid(payload), payload, '')", "iif(json_valid(headers), headers, '')",
    )
) + " FROM audit_entry"
_COPY_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_COPY_ESCAPED = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_CHUNK = 5_000  # SQLite rows per fetch


def scan_slice(url: str, snapshot: str | None, storage: Slice, checkpoints: list[SignedCheckpoint]) -> SliceReport:
    """Check the entries stored in `storage` of the log at `url`, as seen in `snapshot` (PostgreSQL's
    exported snapshot), against these checkpoints. Blocking: a worker process or thread calls it."""
    check = SliceCheck(checkpoints)
    if make_url(url).get_backend_name() == "postgresql":
        asyncio.run(_scan_postgres(url, snapshot, storage, check.feed))
    else:
        with closing(_sqlite_reader(url)) as connection:
            # NOT INDEXED: the table's own b-tree, walked in rowid order, never the chain index.
            cursor = connection.execute(f"{_SQLITE_SCAN} WHERE rowid >= ? AND rowid < ?", storage)
            while rows := cursor.fetchmany(_CHUNK):
                check.feed(_sqlite_scanned_links(rows))
    return check.report()


async def _scan_postgres(url: str, snapshot: str | None, storage: Slice, feed: Feed) -> None:
    connection = await _postgres_reader(url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            if snapshot is not None:
                await connection.execute(f"SET TRANSACTION SNAPSHOT {_quote(snapshot)}")
            first, end = storage
            pages = f"ctid >= '({int(first)},0)'" + ("" if end is None else f" AND ctid < '({int(end)},0)'")
            names: Names = {}
            await _copy(connection, f"{_PG_SCAN} WHERE {pages}", lambda lines: _scanned_links(lines, names), feed)
    finally:
        await connection.close()


@asynccontextmanager
async def log_snapshot(url: str) -> AsyncIterator["PostgresSnapshot | SqliteSnapshot"]:
    """The verifier's snapshot of the log, held until the block ends: its slices, and the ordered reading."""
    if make_url(url).get_backend_name() != "postgresql":
        yield SqliteSnapshot(url, *await asyncio.to_thread(_rowids, url))
        return
    connection = await _postgres_reader(url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            yield PostgresSnapshot(connection, await connection.fetchval("SELECT pg_export_snapshot()"))
    finally:
        await connection.close()


class PostgresSnapshot:
    def __init__(self, connection: asyncpg.Connection, exported: str) -> None:
        self.connection, self.id = connection, exported

    async def slices(self, count: int) -> list[Slice]:
        """`count` ranges of pages about as large, the last open-ended (no row beyond is in the snapshot)."""
        pages = await self.connection.fetchval(
            "SELECT pg_relation_size('audit_entry') / current_setting('block_size')::int")
        bounds = [pages * i // count for i in range(count)]
        return list(zip(bounds, [*bounds[1:], None], strict=True))

    async def read_in_order(self, chains: Iterable[ChainKey], check: ChainCheck) -> None:
        for topic, partition in chains:
            await _copy(
                self.connection,
                f"{_PG_CHAIN} WHERE topic = {_quote(topic)} AND partition = {int(partition)} ORDER BY sequence",
                lambda lines, chain=(topic, partition): [_link(_fields(line), chain) for line in lines],  # type: ignore[misc]  # the default binds the chain
                check.feed,
            )


class SqliteSnapshot:
    id = None  # readers bound themselves to `self.end`, the rowid after the last one seen here

    def __init__(self, url: str, first: int, end: int) -> None:
        self.url, self.first, self.end = url, first, end

    async def slices(self, count: int) -> list[Slice]:
        """`count` ranges of rowids about as large, together up to `self.end`."""
        bounds = [self.first + (self.end - self.first) * i // count for i in range(count)]
        return list(zip(bounds, [*bounds[1:], self.end], strict=True))

    async def read_in_order(self, chains: Iterable[ChainKey], check: ChainCheck) -> None:
        await asyncio.to_thread(self._read_in_order, list(chains), check)

    def _read_in_order(self, chains: list[ChainKey], check: ChainCheck) -> None:
        with closing(_sqlite_reader(self.url)) as connection:
            for topic, partition in chains:
                cursor = connection.execute(
                    f"{_SQLITE_CHAIN} WHERE topic = ? AND partition = ? AND rowid < ? ORDER BY sequence",
                    (topic, partition, self.end)
                )
                while rows := cursor.fetchmany(_CHUNK):
                    check.feed([_link(row, (topic, partition)) for row in rows])


async def _postgres_reader(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
        # Occurred-at as `_utc_spelling` reads it; a scan from its slice's start, not joining another
        # scan of the table midway (synchronized scans, on tables over a quarter of shared buffers).
        server_settings={"TimeZone": "UTC", "DateStyle": "ISO", "synchronize_seqscans": "off"},
    )


def _rowids(url: str) -> tuple[int, int]:
    """[first, end) of the rowids stored now."""
    with closing(_sqlite_reader(url)) as connection:
        return connection.execute(
            "SELECT coalesce(min(rowid), 0), coalesce(max(rowid) + 1, 0) FROM audit_entry").fetchone()


def _sqlite_reader(url: str) -> sqlite3.Connection:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise ValueError("verifying needs a database file: an in-memory database cannot be opened again")
    return sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)


async def _copy(
    connection: asyncpg.Connection, query: str, links: Callable[[list[bytes]], list[ChainLink]], feed: Feed
) -> None:
    """COPY the query's rows out as text and feed the links of its lines, a chunk of whole lines at a time."""
    rest = b""

    async def take(chunk: bytes) -> None:
        nonlocal rest
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        feed(links(lines))

    await connection.copy_from_query(query, output=take)
    if rest:
        raise ValueError(f"COPY ended inside a row: {rest[:80]!r}")


def _fields(line: bytes) -> Fields:
    """A COPY text line's fields; escapes are undone only on a line that holds one (few do)."""
    return _copy_fields(line) if b"\\" in line else line.split(b"\t")


def _copy_fields(line: bytes) -> list[bytes | None]:
    """A COPY text line's fields with the backslash escapes undone, \\N as NULL (raw tabs only separate fields)."""
    fields: list[bytes | None] = []
    for field in line.split(b"\t"):
        if field == b"\\N":
            fields.append(None)
            continue
        parts = field.split(b"\\\\")  # an escaped backslash, the usual escape in JSON text
        if any(b"\\" in part for part in parts):
            fields.append(_COPY_ESCAPE.sub(lambda m: _COPY_ESCAPED.get(m[1], m[1]), field))
        else:
            fields.append(b"\\".join(parts))
    return fields


def _scanned_links(lines: Iterable[bytes], names: Names) -> list[ChainLink]:
    """Scanned COPY lines' links: plain tuples in ChainLink's order (a named tuple costs more than a hash),
    one loop over the chunk, splitting each line as it goes (a list of fields per line first, then this
    loop, cost a seventh more)."""
    sha256, fromhex, canonical, fields = hashlib.sha256, bytes.fromhex, stored_canonical_bytes, _fields
    links = []
    for line in lines:
        (topic, partition, sequence, event_id, prev_hash, entry_hash, event_type, case_id, occurred_at, payload,
         headers) = fields(line)
        chain = names.get((topic, partition))  # type: ignore[arg-type]  # COPY gives None only for NULL: the chain's columns are NOT NULL
        if chain is None:
            chain = names[(topic, partition)] = (topic.decode(), int(partition))  # type: ignore[union-attr,arg-type,index]  # NOT NULL, as above
        prev, entry = prev_hash.decode(), entry_hash.decode()  # type: ignore[union-attr]  # NOT NULL, as above
        try:
            content = canonical(
                topic, event_id, event_type, case_id, partition, sequence, _utc_spelling(occurred_at), payload, headers,  # type: ignore[arg-type]  # NOT NULL, as above
            )
            intact = sha256(fromhex(prev) + sha256(content).digest()).hexdigest() == entry
        except ValueError:  # a prev_hash that is not hex
            intact = False
        links.append((chain[0], chain[1], int(sequence), event_id.decode(), prev, entry, intact))  # type: ignore[union-attr,arg-type]  # NOT NULL, as above
    return links  # type: ignore[return-value]  # plain tuples in ChainLink's order, cheaper than named ones


def _utc_spelling(stored: bytes) -> bytes:
    """PostgreSQL's `2026-03-02 01:02:03.04+00` (ISO, UTC session) as `utc_timestamp` spells it:
    `2026-03-02T01:02:03.040000+00:00`. Anything else is left as it is, so it does not hash right."""
    if len(stored) < 22 or not stored.endswith(b"+00"):
        return stored
    fraction = stored[19:-3]
    return b"%sT%s.%s+00:00" % (stored[:10], stored[11:19], fraction[1:].ljust(6, b"0") if fraction else b"000000")


def _sqlite_scanned_links(rows: Iterable[tuple]) -> list[ChainLink]:
    """As `_scanned_links`, from the stdlib driver's values (text as str, integers as int)."""
    sha256, fromhex = hashlib.sha256, bytes.fromhex
    links = []
    for topic, partition, sequence, event_id, prev_hash, entry_hash, content in rows:
        try:
            intact = sha256(fromhex(prev_hash) + sha256(content).digest()).hexdigest() == entry_hash
        except (ValueError, TypeError):  # a prev_hash that is not hex (or not text: SQLite keeps any value), no content
            intact = False
        links.append((topic, partition, sequence, event_id, prev_hash, entry_hash, intact))
    return links  # type: ignore[return-value]  # plain tuples in ChainLink's order, cheaper than named ones


def _link(fields: Fields, chain: ChainKey) -> ChainLink:
    """A row of `chain` read again in order, decoded and hashed by the domain's own encoder
    (`entry_is_intact`: old spellings too)."""
    (topic, event_id, event_type, case_id, partition, sequence, occurred_at, prev_hash, entry_hash, payload,
     headers) = fields
    prev, entry, event = _text(prev_hash), _text(entry_hash), _text(event_id)
    try:
        position = int(sequence)  # type: ignore[arg-type]  # sequence is NOT NULL
    except ValueError:  # SQLite keeps any value in any column
        return ChainLink(*chain, -1, event, prev, entry, False)
    try:
        occurred = datetime.fromisoformat(_text(occurred_at))
        row = StoredRow(
            *chain, position, event, _text(event_type), occurred if occurred.tzinfo else occurred.replace(tzinfo=UTC),
            None if case_id is None else _text(case_id), payload, headers, prev, entry,  # type: ignore[arg-type]  # payload, headers: NOT NULL
        )
    except ValueError:
        return ChainLink(*chain, position, event, prev, entry, False)
    return ChainLink(*chain, position, event, prev, entry, entry_is_intact(row))


def _text(stored: bytes | None) -> str:
    return "" if stored is None else stored.decode(errors="replace")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
