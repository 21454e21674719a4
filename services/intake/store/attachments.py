"""Attachments' files (附件): an upload staged on local disk as it streams in (hashed and counted on the way, its
head kept for sniffing), checked, scanned, put in the object store, and recorded — staff's on their case, a
citizen's as pending until the report that carries it claims it (`claim_pending_attachments`) or the sweep
deletes it.

Nothing is half-stored: a refused file never reaches the object store; an object whose row does not commit is
deleted again (`AttachmentFiles.stored`); the sweep deletes an expired upload's object before its row, so a row
may briefly outlive its object, never the other way round. Only a crash between the object's put and the row's
commit can leave an object without a row: `orphaned_objects` finds those (`python -m services.intake
attachments-orphans`, docs/attachments.md)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import now_utc
from shared.consuming import Unit
from shared.db import SessionFactory
from shared.events.case import CaseAttachmentAdded
from shared.ids import new_id
from shared.masking import mask_text
from shared.topics import CASE_EVENTS
from services.intake.domain.attachments import SNIFF_BYTES, RefusedFile, check_file, clean_file_name, too_large
from services.intake.domain.errors import InvalidInput
from services.intake.store.objects import ObjectStore
from services.intake.store.scanning import Scanner
from services.intake.store.tables import Attachment, Case

OBJECT_PREFIX = "attachments/"


class StagedFile:
    """One upload's bytes on local disk, written as they arrive: its size, SHA-256 and first bytes are known when
    the last chunk is in. Writing past `limit` raises the 413 at once; nothing more is written."""

    def __init__(self, directory: Path, *, limit: int, field: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=directory, prefix="upload-")
        self.path = Path(name)
        self._file: BinaryIO = os.fdopen(handle, "wb")
        self.limit, self.field = limit, field
        self.size = 0
        self.head = b""
        self._hash = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        # A chunk is what the server read off the socket (tens of KiB): written synchronously, as Starlette's own
        # spooled uploads are, it costs less than a hop to a thread.
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(field=self.field, limit=self.limit)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[:SNIFF_BYTES - len(self.head)]
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check and is in the object store."""

    file_id: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str

    @property
    def key(self) -> str:
        return object_key(self.file_id)


def object_key(file_id: str) -> str:
    return f"{OBJECT_PREFIX}{file_id}"


@dataclass
class AttachmentFiles:
    """What intake's attachment routes and sweep share, built from its settings at the start (app.py)."""

    objects: ObjectStore
    scanner: Scanner
    staging_dir: Path
    max_bytes: int
    pending_ttl: timedelta

    @contextmanager
    def staging(self, field: str = "file") -> Iterator[StagedFile]:
        """A staged upload, removed at the end unless the object store took it."""
        staged = StagedFile(self.staging_dir, limit=self.max_bytes, field=field)
        try:
            yield staged
        finally:
            staged.discard()

    @asynccontextmanager
    async def stored(self, staged: StagedFile, *, file_name: str, declared_type: str) -> AsyncIterator[CheckedFile]:
        """Check the staged upload (size, sniffed type against the declared one, the scanning hook), put it in the
        object store, and delete it again if the block — which records its row — fails."""
        name = clean_file_name(file_name, field=staged.field)
        content_type = check_file(head=staged.head, size=staged.size, file_name=name, declared_type=declared_type,
                                  limit=self.max_bytes, field=staged.field)
        rejected = await self.scanner(staged.path, content_type=content_type)
        if rejected is not None:
            raise RefusedFile(422, field=staged.field, zh=f"文件未通过安全扫描({rejected})",
                              en=f"the file failed the security scan ({rejected})")
        checked = CheckedFile(file_id=new_id(), file_name=name, content_type=content_type, size_bytes=staged.size,
                              sha256=staged.sha256)
        await self.objects.put(checked.key, staged.path, content_type=content_type)
        try:
            yield checked
        except BaseException:
            # Shielded: a cancelled request (the client went away) must still take its object back.
            await asyncio.shield(self.objects.delete(checked.key))
            raise


async def add_case_attachment(unit: Unit, *, case: Case, checked: CheckedFile, description: str, actor: str,
                              now: datetime) -> Attachment:
    """Record a stored file on its case and stage `case.attachment_added`, in the unit's transaction."""
    row = Attachment(case_id=case.id, file_name=checked.file_name, content_type=checked.content_type,
                     size_bytes=checked.size_bytes, sha256=checked.sha256, description=description,
                     file_id=checked.file_id, uploaded_by=actor, uploaded_at=now)
    unit.session.add(row)
    await unit.session.flush()  # the row's id, for the event
    assert row.id is not None
    await unit.emit(CaseAttachmentAdded(case_number=case.case_number, attachment_id=row.id,
                                        file_name=mask_text(row.file_name), content_type=row.content_type,
                                        size_bytes=row.size_bytes, sha256=checked.sha256, source="staff"),
                    topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall, actor=actor)
    return row


async def add_pending_attachment(session: AsyncSession, *, checked: CheckedFile, description: str, uploaded_by: str,
                                 now: datetime, ttl: timedelta) -> Attachment:
    """Record a citizen's stored file with no case yet; it expires unless a report claims it within `ttl`."""
    row = Attachment(case_id=None, file_name=checked.file_name, content_type=checked.content_type,
                     size_bytes=checked.size_bytes, sha256=checked.sha256, description=description,
                     file_id=checked.file_id, uploaded_by=uploaded_by, uploaded_at=now, expires_at=now + ttl)
    session.add(row)
    return row


async def claim_pending_attachments(session: AsyncSession, *, case_id: str,
                                    attachment_ids: Sequence[str]) -> list[Attachment]:
    """Give a citizen's pending uploads to the case being registered, in the caller's transaction.

    Call it once the case's row is written in the same transaction (flushed): `attachment.case_id` references it.
    Every id must be a pending upload, unexpired and unclaimed; otherwise `InvalidInput` naming `attachment_ids`
    (422) and nothing is claimed. The claim is one guarded UPDATE, so two reports racing for an upload cannot both
    get it: the loser's count falls short and it is refused."""
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    now = now_utc()
    rows = list((await session.exec(select(Attachment).where(col(Attachment.file_id).in_(wanted)))).all())
    found = {row.file_id: row for row in rows}
    unusable = [i for i in wanted if i not in found or found[i].case_id is not None
                or found[i].expires_at is None or found[i].expires_at <= now]
    if unusable:
        raise _unclaimable(unusable)
    claimed = await session.exec(
        update(Attachment)
        .where(col(Attachment.file_id).in_(wanted), col(Attachment.case_id).is_(None), col(Attachment.expires_at) > now)
        .values(case_id=case_id, expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(wanted):
        raise _unclaimable(wanted)
    for row in rows:
        await session.refresh(row)
    return sorted(rows, key=lambda row: wanted.index(row.file_id or ""))


def _unclaimable(ids: list[str]) -> InvalidInput:
    listed = ", ".join(ids)
    return InvalidInput.single(
        field="attachment_ids", zh=f"attachment_ids:附件 {listed} 不存在、已过期或已被使用,请重新上传",
        en=f"attachment_ids: {listed} unknown, expired or already used; upload the file again")


async def case_attachments(session: AsyncSession, *, case_id: str) -> list[Attachment]:
    rows = await session.exec(select(Attachment).where(Attachment.case_id == case_id).order_by(col(Attachment.id)))
    return list(rows.all())


async def case_attachment(session: AsyncSession, *, case_id: str, attachment_id: int) -> Attachment | None:
    row = await session.get(Attachment, attachment_id)
    return row if row is not None and row.case_id == case_id else None


async def expired_pending(session: AsyncSession, *, now: datetime, limit: int = 500) -> list[Attachment]:
    rows = await session.exec(select(Attachment).where(col(Attachment.case_id).is_(None),
                                                       col(Attachment.expires_at) <= now).limit(limit))
    return list(rows.all())


async def sweep_expired_attachments(sessions: SessionFactory, objects: ObjectStore, *, now: datetime) -> int:
    """Delete citizens' uploads no report claimed in time: each object first, then the rows (a claim never takes
    an expired upload, so none can be claimed in between). Answers how many were deleted."""
    async with sessions() as session:
        expired = await expired_pending(session, now=now)
    for row in expired:
        if row.file_id is not None:
            await objects.delete(object_key(row.file_id))
    if not expired:
        return 0
    async with sessions() as session, session.begin():
        await session.exec(delete(Attachment).where(col(Attachment.id).in_([row.id for row in expired]),
                                                       col(Attachment.case_id).is_(None)))
    return len(expired)


def object_file_id(key: str) -> str | None:
    return key.removeprefix(OBJECT_PREFIX) if key.startswith(OBJECT_PREFIX) else None


async def orphaned_objects(sessions: SessionFactory, objects: ObjectStore, *, written_before: datetime) -> list[str]:
    """Keys of attachment objects written before `written_before` that no row names. An upload in flight has its
    object a moment before its row: only objects older than any upload takes are orphans."""
    candidates = {file_id: stored.key for stored in await objects.listing()
                  if stored.modified_at < written_before and (file_id := object_file_id(stored.key))}
    known: set[str] = set()
    ids = list(candidates)
    async with sessions() as session:
        for start in range(0, len(ids), 500):
            query = select(Attachment.file_id).where(col(Attachment.file_id).in_(ids[start:start + 500]))
            known |= {file_id for file_id in (await session.exec(query)).all() if file_id is not None}
    return sorted(key for file_id, key in candidates.items() if file_id not in known)
