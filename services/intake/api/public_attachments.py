"""The citizen's upload, POST /public/attachments (no login): one file, checked as staff's are, kept as pending
until the report that names it claims it (`store.attachments.claim_pending_attachments`) or the sweep deletes it
(`attachments_pending_ttl_s`). Limited per client address, as the status lookup is."""

from fastapi import APIRouter, Request, status

from shared.auth.http import PUBLIC
from shared.clock import now_utc
from services.intake.api.deps import (
    MULTIPART_DOCUMENT,
    AttachmentFilesDep,
    PublicUploadLimitDep,
    RuntimeDep,
    receive_upload,
    too_many_uploads,
)
from services.intake.api.models import PendingAttachmentPublic
from services.intake.store.attachments import add_pending_attachment

router = APIRouter(prefix="/public/attachments", tags=["citizen"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PendingAttachmentPublic,
             openapi_extra={**PUBLIC, **MULTIPART_DOCUMENT},
             responses={413: {"description": "The file is over the size limit"},
                        415: {"description": "A type not accepted, or not the one declared"},
                        429: {"description": "Too many uploads from this client"}})
async def upload_pending(request: Request, runtime: RuntimeDep, files: AttachmentFilesDep,
                         limit: PublicUploadLimitDep) -> PendingAttachmentPublic:
    """Upload one file for a report not sent yet (multipart field `file`); the report names the answer's
    `attachment_id` within `expires_at`."""
    client = request.client.host if request.client else "unknown"
    if limit.exhausted(client):
        raise too_many_uploads(limit.retry_after_s(client))
    limit.record(client)
    with files.staging() as staged:
        part = await receive_upload(request, staged)
        now = now_utc()
        async with (files.stored(staged, file_name=part.file_name, declared_type=part.content_type) as checked,
                    runtime.sessions() as session, session.begin()):
            row = await add_pending_attachment(session, checked=checked, description=part.description,
                                               uploaded_by=f"public:{client}", now=now, ttl=files.pending_ttl)
    assert row.expires_at is not None
    return PendingAttachmentPublic(attachment_id=checked.file_id, expires_at=row.expires_at,
                                   file_name=checked.file_name, content_type=checked.content_type,
                                   size_bytes=checked.size_bytes, sha256=checked.sha256)
