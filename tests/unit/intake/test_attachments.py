"""An attachment's checks one by one: its type sniffed and compared with what the client declared, its size, its
checksum as it streams to the staging file, the scanning hook (an async callable, or clamd's INSTREAM protocol
against a small clamd speaking it here), and the file-system object store."""

import asyncio
import hashlib
import io
import os
import struct
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.intake.domain.attachments import RefusedFile, check_file, clean_file_name, sniff
from services.intake.store.attachments import StagedFile
from services.intake.store.objects import FileSystemStore, ObjectMissing
from services.intake.store.scanning import ClamdScanner, ScannerUnavailable, load_scanner, passes

MB = 1024 * 1024
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SAMPLES = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64),
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    "image/webp": b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(64),
    "image/heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64),
    "application/pdf": b"%PDF-1.7\n" + bytes(64),
}


def zipped(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


DOCX = zipped("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def check(content: bytes, name: str, declared: str = "", size: int | None = None) -> str:
    return check_file(head=content, size=len(content) if size is None else size, file_name=name,
                      declared_type=declared, limit=10 * MB)


@pytest.mark.parametrize("mime", SAMPLES)
def test_each_allowed_type_is_recognised_by_its_bytes(mime: str) -> None:
    assert sniff(SAMPLES[mime]) == mime


def test_a_word_document_is_told_from_any_other_zip() -> None:
    assert check(DOCX, "情况说明.docx") == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    with pytest.raises(RefusedFile) as refused:
        check(zipped("payload.exe"), "情况说明.docx")
    assert refused.value.status == 415 and "application/zip" in refused.value.problems[0].en


@pytest.mark.parametrize(("name", "declared"), [("照片.JPG", "image/jpeg"), ("照片.jpeg", "image/jpg"),
                                               ("照片.jpg", ""), ("照片.jpg", "application/octet-stream")])
def test_a_file_is_taken_when_its_bytes_declared_type_and_extension_agree(name: str, declared: str) -> None:
    assert check(SAMPLES["image/jpeg"], name, declared) == "image/jpeg"


@pytest.mark.parametrize(("content", "name", "declared", "status"), [
    (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "photo.jpg", "image/jpeg", 415),
    (b"MZ\x90\x00" + bytes(64), "scan.pdf", "application/pdf", 415),
    (b"<html><script>alert(1)</script></html>", "photo.jpg", "image/jpeg", 415),
    (b"GIF89a" + bytes(64), "a.gif", "image/gif", 415),  # recognised, but not on the list
    (SAMPLES["image/png"], "photo.png", "image/jpeg", 415),  # declared type disagrees
    (SAMPLES["image/png"], "photo.jpg", "image/png", 415),  # extension disagrees
    (SAMPLES["application/pdf"], "scan", "application/pdf", 415),  # no extension
    (b"", "empty.pdf", "application/pdf", 422),
], ids=["elf", "exe", "html", "gif", "declared", "extension", "no-extension", "empty"])
def test_a_file_is_refused_naming_the_field(content: bytes, name: str, declared: str, status: int) -> None:
    with pytest.raises(RefusedFile) as refused:
        check(content, name, declared)
    assert refused.value.status == status
    assert refused.value.problems[0].field == "file"


def test_a_file_over_the_limit_is_a_413_however_well_formed() -> None:
    with pytest.raises(RefusedFile) as refused:
        check(SAMPLES["application/pdf"], "scan.pdf", "application/pdf", size=20 * MB)
    assert refused.value.status == 413
    assert "10 MB" in refused.value.problems[0].en


def test_a_file_name_loses_its_path_and_may_not_hold_control_characters() -> None:
    assert clean_file_name("C:\\Users\\王芳\\合同.pdf") == "合同.pdf"
    assert clean_file_name("../../etc/合同.pdf") == "合同.pdf"
    for bad in ("", "dir/", "a\x00.pdf", "x" * 300 + ".pdf"):
        with pytest.raises(RefusedFile):
            clean_file_name(bad)


def test_a_staged_file_counts_hashes_and_keeps_the_head_as_it_streams(tmp_path: Path) -> None:
    chunks = [os.urandom(5000) for _ in range(4)]
    staged = StagedFile(tmp_path, limit=MB, field="file")
    for chunk in chunks:
        staged.write(chunk)
    staged.finish()
    whole = b"".join(chunks)
    assert (staged.size, staged.sha256) == (len(whole), hashlib.sha256(whole).hexdigest())
    assert staged.head == whole[:8192]
    assert staged.path.read_bytes() == whole
    staged.discard()
    assert not list(tmp_path.iterdir())


def test_a_staged_file_stops_at_the_limit(tmp_path: Path) -> None:
    staged = StagedFile(tmp_path, limit=10_000, field="file")
    staged.write(bytes(8000))
    with pytest.raises(RefusedFile) as refused:
        staged.write(bytes(8000))
    assert refused.value.status == 413
    staged.discard()
    assert not list(tmp_path.iterdir())


async def rejects_eicar(path: Path, *, content_type: str) -> str | None:
    return "Eicar-Test-Signature" if EICAR in path.read_bytes() else None


async def test_the_scanning_hook_is_named_by_a_setting(tmp_path: Path) -> None:
    clean, infected = tmp_path / "clean.pdf", tmp_path / "infected.pdf"
    clean.write_bytes(b"%PDF-1.4\n")
    infected.write_bytes(b"%PDF-1.4\n" + EICAR)
    scanner = load_scanner(f"{__name__}:rejects_eicar")
    assert await scanner(clean, content_type="application/pdf") is None
    assert await scanner(infected, content_type="application/pdf") == "Eicar-Test-Signature"
    assert load_scanner("") is passes
    assert isinstance(load_scanner("clamd://127.0.0.1:3310"), ClamdScanner)
    for wrong in ("no_colon", "clamd://", f"{__name__}:EICAR"):
        with pytest.raises(ValueError, match="scan hook"):
            load_scanner(wrong)


async def _clamd(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """clamd's INSTREAM as its manual gives it: the command, length-prefixed chunks, a zero length, one answer."""
    assert await reader.readexactly(10) == b"zINSTREAM\0"
    received = b""
    while length := struct.unpack("!L", await reader.readexactly(4))[0]:
        received += await reader.readexactly(length)
    writer.write(b"stream: Eicar-Test-Signature FOUND\0" if EICAR in received else b"stream: OK\0")
    await writer.drain()
    writer.close()


async def test_the_clamd_scanner_streams_the_file_and_reads_the_verdict(tmp_path: Path) -> None:
    server = await asyncio.start_server(_clamd, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    clean, infected = tmp_path / "clean.pdf", tmp_path / "infected.pdf"
    clean.write_bytes(b"%PDF-1.4\n" + os.urandom(200_000))  # several chunks
    infected.write_bytes(b"%PDF-1.4\n" + EICAR)
    async with server:
        scanner = load_scanner(f"clamd://127.0.0.1:{port}")
        assert await scanner(clean, content_type="application/pdf") is None
        assert await scanner(infected, content_type="application/pdf") == "Eicar-Test-Signature"
    with pytest.raises(ScannerUnavailable):  # a scanner gone is no pass
        await scanner(clean, content_type="application/pdf")


async def _read(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_the_file_system_store_keeps_streams_lists_and_deletes_objects(tmp_path: Path) -> None:
    objects = FileSystemStore(tmp_path / "objects")
    content = os.urandom(200_000)
    staged = tmp_path / "staged"
    staged.write_bytes(content)
    await objects.put("attachments/one", staged, content_type="application/pdf")
    assert not staged.exists()  # moved, not copied
    assert [stored.key for stored in await objects.listing()] == ["attachments/one"]
    assert await _read(objects.chunks("attachments/one")) == content
    await objects.delete("attachments/one")
    await objects.delete("attachments/one")  # already gone: no error
    assert await objects.listing() == []
    with pytest.raises(ObjectMissing):
        await _read(objects.chunks("attachments/one"))
    with pytest.raises(ValueError, match="leaves the store"):
        await objects.delete("../outside")
