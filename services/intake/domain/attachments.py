"""What an attachment (附件) may be: its type sniffed from its first bytes, never taken from the client's word, one
of an allow-list, agreeing with the type and file-name extension the client declared, and within the size limit.

Pure decisions on bytes already read: the route streams the file to a staging file and hands these functions the
head it kept, the size it counted and the name and type the multipart part declared (docs/attachments.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype

from services.intake.domain.errors import FieldProblem, InvalidInput

# How much of a file the sniffer reads: filetype's matchers look within the first 8 KiB.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class AllowedType:
    mime: str
    extensions: frozenset[str]
    label: str


# The types a hall accepts: photos of documents (HEIC is what iPhones take), PDF scans and Word documents. Each is
# recognisable by its magic bytes; plain text, HTML, SVG and archives are not allowed (no active content, nothing
# a sniffer cannot tell apart). OFD (the national layout format) is a ZIP that no maintained sniffer names; it
# would be sniffed as an archive and is not on the list.
ALLOWED_TYPES: dict[str, AllowedType] = {t.mime: t for t in (
    AllowedType("image/jpeg", frozenset({".jpg", ".jpeg", ".jpe"}), "JPEG"),
    AllowedType("image/png", frozenset({".png"}), "PNG"),
    AllowedType("image/webp", frozenset({".webp"}), "WebP"),
    AllowedType("image/heic", frozenset({".heic", ".heif"}), "HEIC"),
    AllowedType("application/pdf", frozenset({".pdf"}), "PDF"),
    AllowedType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", frozenset({".docx"}),
                "Word (.docx)"),
)}
# Declared types clients send for the same files (a browser's guess by extension).
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/heif": "image/heic",
            "application/x-pdf": "application/pdf"}
# Clients that do not know the type say so; the sniffed type then stands alone.
_UNDECLARED = {"", "application/octet-stream"}


class RefusedFile(InvalidInput):
    """An upload refused for what it is: `status` is the HTTP status the refusal maps to (413 too large, 415 a type
    not allowed or not what it claims to be, 422 otherwise), the problem names the multipart field."""

    def __init__(self, status: int, *, field: str, zh: str, en: str) -> None:
        super().__init__(FieldProblem(field=field, zh=f"{field}:{zh}", en=f"{field}: {en}"))
        self.status = status


def too_large(*, field: str, limit: int) -> RefusedFile:
    return RefusedFile(413, field=field, zh=f"文件不能超过 {_megabytes(limit)}",
                       en=f"the file must be at most {_megabytes(limit)} ({limit} bytes)")


def sniff(head: bytes) -> str | None:
    """The MIME type the file's first bytes show, or None when no matcher knows them."""
    kind = filetype.guess(head[:SNIFF_BYTES])
    return None if kind is None else _ALIASES.get(kind.mime, kind.mime)


def check_file(*, head: bytes, size: int, file_name: str, declared_type: str, limit: int, field: str = "file") -> str:
    """The file's sniffed type, once it is allowed and agrees with what was declared; else `RefusedFile`."""
    if size > limit:
        raise too_large(field=field, limit=limit)
    if size == 0:
        raise RefusedFile(422, field=field, zh="文件为空", en="the file is empty")
    sniffed = sniff(head)
    allowed = ", ".join(t.label for t in ALLOWED_TYPES.values())
    if sniffed not in ALLOWED_TYPES:
        what = sniffed or "unknown"
        raise RefusedFile(415, field=field, zh=f"不接受此类文件({what});可上传:{allowed}",
                          en=f"files of this type ({what}) are not accepted; allowed: {allowed}")
    declared = declared_type.split(";")[0].strip().lower()
    declared = _ALIASES.get(declared, declared)
    if declared not in _UNDECLARED and declared != sniffed:
        raise RefusedFile(415, field=field, zh=f"文件内容是 {sniffed},与声明的类型 {declared} 不符",
                          en=f"the content is {sniffed}, not the declared {declared}")
    extension = PurePosixPath(file_name).suffix.lower()
    if extension not in ALLOWED_TYPES[sniffed].extensions:
        raise RefusedFile(415, field=field, zh=f"文件内容是 {sniffed},与扩展名“{extension or '无'}”不符",
                          en=f"the content is {sniffed}, which the extension '{extension}' does not name")
    return sniffed


def clean_file_name(name: str, *, field: str = "file") -> str:
    """The name as the client gave it, without a path (browsers on Windows once sent C:\\...\\a.jpg)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or any(ord(c) < 32 or ord(c) == 127 for c in base):
        raise RefusedFile(422, field=field, zh="文件名无效", en="the file name is missing or holds control characters")
    if len(base) > 255:
        raise RefusedFile(422, field=field, zh="文件名不能超过 255 个字符",
                          en="the file name must be at most 255 characters")
    return base


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
