"""Staff routes over a case's attachments (附件), under /cases/{id}/attachments: upload one (multipart), list them,
download one. A department sees and adds them only on cases it holds a work order for; file names are masked for
those who see personal data masked (docs/attachments.md)."""

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import StreamingResponse

from shared.clock import now_utc
from shared.masking import mask_text
from shared.problems import not_found
from services.intake import store
from services.intake.api.deps import (
    MULTIPART_DOCUMENT,
    AttachmentAdder,
    AttachmentFilesDep,
    AttachmentReader,
    RuntimeDep,
    receive_upload,
    require_on_case,
    sees_personal_data,
)
from services.intake.api.errors import case_not_found
from services.intake.api.models import CaseAttachmentPublic, CaseAttachments
from services.intake.domain.attachments import ALLOWED_TYPES
from services.intake.store.attachments import (
    add_case_attachment,
    case_attachment,
    case_attachments,
    object_key,
)
from services.intake.store.objects import ObjectMissing

router = APIRouter(prefix="/cases", tags=["attachments"])
AttachmentId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _public(row: store.Attachment, *, whole: bool) -> CaseAttachmentPublic:
    assert row.id is not None
    return CaseAttachmentPublic(
        id=row.id, file_name=row.file_name if whole else mask_text(row.file_name), content_type=row.content_type,
        size_bytes=row.size_bytes, sha256=row.sha256, description=row.description, stored=row.file_id is not None,
        uploaded_by=row.uploaded_by, uploaded_at=row.uploaded_at)


@router.post("/{case_id}/attachments", status_code=status.HTTP_201_CREATED, response_model=CaseAttachmentPublic,
             openapi_extra=MULTIPART_DOCUMENT,
             responses={413: {"description": "The file is over the size limit"},
                        415: {"description": "A type not accepted, or not the one declared"}})
async def upload(case_id: str, request: Request, runtime: RuntimeDep, files: AttachmentFilesDep,
                 principal: AttachmentAdder) -> CaseAttachmentPublic:
    """Attach one file (multipart field `file`; a `description` optional): its type is sniffed from its bytes
    and must be allowed and agree with the declared type and extension; it must pass the scanning hook; its
    SHA-256 is kept."""
    async with runtime.sessions() as session:  # refuse a stranger before reading the body
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise case_not_found(case_id)
        await require_on_case(session, principal, "attachment.add", case)
    with files.staging() as staged:
        part = await receive_upload(request, staged)
        async with (files.stored(staged, file_name=part.file_name, declared_type=part.content_type) as checked,
                    runtime.unit(principal) as unit):
            row = await add_case_attachment(unit, case=case, checked=checked, description=part.description,
                                            actor=principal.actor, now=now_utc())
    return _public(row, whole=sees_personal_data(principal, case))


@router.get("/{case_id}/attachments", response_model=CaseAttachments)
async def list_attachments(case_id: str, runtime: RuntimeDep, principal: AttachmentReader) -> CaseAttachments:
    """The case's attachments, oldest first: uploaded files and those described at registration."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise case_not_found(case_id)
        await require_on_case(session, principal, "attachment.read", case)
        rows = await case_attachments(session, case_id=case_id)
    whole = sees_personal_data(principal, case)
    return CaseAttachments(items=[_public(row, whole=whole) for row in rows])


@router.get("/{case_id}/attachments/{attachment_id}/content",
            responses={200: {"content": {mime: {"schema": {"type": "string", "format": "binary"}}
                                         for mime in ALLOWED_TYPES},
                             "description": "The file, with its sniffed content type"}})
async def download(case_id: str, attachment_id: AttachmentId, runtime: RuntimeDep, files: AttachmentFilesDep,
                   principal: AttachmentReader) -> StreamingResponse:
    """The file as stored, streamed, as a download (never rendered in the browser)."""
    async with runtime.sessions() as session:
        case = await store.get_case(session, case_id=case_id)
        if case is None:
            raise case_not_found(case_id)
        await require_on_case(session, principal, "attachment.read", case)
        row = await case_attachment(session, case_id=case_id, attachment_id=attachment_id)
    if row is None or row.file_id is None:
        raise not_found(zh=f"案件没有可下载的附件 {attachment_id}",
                        en=f"the case has no stored attachment {attachment_id}")
    name = row.file_name if sees_personal_data(principal, case) else mask_text(row.file_name)
    chunks: AsyncIterator[bytes] = files.objects.chunks(object_key(row.file_id))
    try:
        first = await anext(chunks, b"")  # a missing object fails here, as a problem, not mid-stream
    except ObjectMissing:
        raise not_found(zh=f"附件 {attachment_id} 的文件已不存在",
                        en=f"the file of attachment {attachment_id} is gone") from None
    return StreamingResponse(_prefixed(first, chunks), media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Content-Length": str(row.size_bytes),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    })


async def _prefixed(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk
