"""Where attachments' bytes live: one small interface, two backends chosen by settings — a directory on the local
file system (the default, under `var/`) or a bucket behind the S3 API (production: MinIO, or any S3). Files are
streamed in and out in chunks; none is held whole in memory."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from services.intake.config import IntakeSettings

CHUNK = 64 * 1024


class ObjectMissing(LookupError):
    """No object under the key (a row outliving its object: see store/attachments.py)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified_at: datetime


class ObjectStore(Protocol):
    """Objects by key. `put` takes a finished local file (the staged upload) and answers once the object is
    durable; `chunks` streams one back (`ObjectMissing` from its first step); `delete` of a missing key is no
    error; `listing` names every object with when it was written (finding orphans: store/attachments.py)."""

    async def put(self, key: str, source: Path, *, content_type: str) -> None: ...

    def chunks(self, key: str) -> AsyncIterator[bytes]: ...

    async def delete(self, key: str) -> None: ...

    async def listing(self) -> list[StoredObject]: ...


class FileSystemStore:
    """Objects as files under `root`; a put moves the staged file into place (the staging directory is on the same
    file system, under the root), so an object is either whole or absent."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or path == self.root.resolve():
            raise ValueError(f"object key {key!r} leaves the store")
        return path

    async def put(self, key: str, source: Path, *, content_type: str) -> None:
        target = self._path(key)

        def move() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, target)  # a rename on the same file system
            with open(target, "rb") as written:
                os.fsync(written.fileno())

        await asyncio.to_thread(move)

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        try:
            file = open(self._path(key), "rb")  # noqa: SIM115 - reads go to a thread below; closed below
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        with file:
            while chunk := await asyncio.to_thread(file.read, CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def listing(self) -> list[StoredObject]:
        def walk() -> list[StoredObject]:
            return sorted((StoredObject(p.relative_to(self.root).as_posix(),
                                        datetime.fromtimestamp(p.stat().st_mtime, UTC))
                           for p in self.root.rglob("*") if p.is_file()), key=lambda o: o.key)
        return await asyncio.to_thread(walk)


class S3Store:
    """Objects in one bucket of an S3-API server (aiobotocore), made at the start if it is missing."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    async def ensure_bucket(self) -> None:
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except self.client.exceptions.ClientError:
            await self.client.create_bucket(Bucket=self.bucket)

    async def put(self, key: str, source: Path, *, content_type: str) -> None:
        # botocore reads the open file in chunks to sign and send it; a single PUT is enough for files of the
        # size limit's order (S3 takes up to 5 GB in one).
        with open(source, "rb") as body:
            await self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    async def chunks(self, key: str) -> AsyncIterator[bytes]:
        try:
            answer = await self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            raise ObjectMissing(key) from None
        async with answer["Body"] as body:
            while chunk := await body.read(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        await self.client.delete_object(Bucket=self.bucket, Key=key)

    async def listing(self) -> list[StoredObject]:
        found: list[StoredObject] = []
        paginator = self.client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket):
            found += [StoredObject(item["Key"], item["LastModified"]) for item in page.get("Contents", ())]
        return sorted(found, key=lambda o: o.key)


async def open_object_store(settings: IntakeSettings) -> tuple[ObjectStore, Callable[[], Awaitable[None]]]:
    """The backend the settings name, and what closes it at shutdown."""
    if settings.attachments_backend == "filesystem":
        async def nothing() -> None:
            return None
        return FileSystemStore(settings.attachments_dir / "objects"), nothing
    from aiobotocore.session import get_session  # only the S3 backend needs it

    stack = AsyncExitStack()
    client = await stack.enter_async_context(get_session().create_client(
        "s3", endpoint_url=settings.attachments_s3_endpoint_url, region_name=settings.attachments_s3_region,
        aws_access_key_id=settings.attachments_s3_access_key_id or None,
        aws_secret_access_key=settings.attachments_s3_secret_access_key.get_secret_value() or None,
    ))
    store = S3Store(client, settings.attachments_s3_bucket)
    try:
        await store.ensure_bucket()
    except BaseException:
        await stack.aclose()
        raise
    return store, stack.aclose
