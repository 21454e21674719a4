"""Attachments over a real intake process (uvicorn, the real broker, SQLite and PostgreSQL): uploaded, listed and
read back byte for byte; refused whole — too large, disguised, rejected by the scanning hook — with nothing
stored; kept from departments not on the case; a citizen's pending upload claimed by a case or swept when it
expires. The S3 backend runs against moto's S3 server, started here as a real HTTP server."""

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import select

from shared.dev.broker import DevBroker, free_port
from shared.events.workorder import WorkOrderDispatched
from shared.settings import KafkaSettings
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS
from services.intake.api.deps import PublicUploadLimit
from services.intake.app import IntakeRuntime, build_runtime
from services.intake.config import IntakeSettings
from services.intake.domain.errors import InvalidInput
from services.intake.store.attachments import claim_pending_attachments, object_key
from services.intake.store.tables import Attachment
from tests.conftest import database_url
from tests.integration.intake.conftest import SECRET, Intake, walk_in
from tests.issuer import TokenIssuer

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
LIMIT = 10 * 1024 * 1024
PENDING_TTL_S = 4.0


async def reject_eicar(path: Path, *, content_type: str) -> str | None:
    """The scanning hook these tests configure: rejects any file holding the EICAR test string."""
    return "Eicar-Test-Signature" if EICAR in await asyncio.to_thread(path.read_bytes) else None


def pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n"
    return head + os.urandom(size - len(head))


def png(size: int = 4096) -> bytes:
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    return head + os.urandom(size - len(head))


@dataclass
class Attaching(Intake):
    runtime: IntakeRuntime
    app: FastAPI

    async def upload(self, case_id: str, name: str, content: bytes, content_type: str = "application/octet-stream",
                     **headers: str) -> httpx.Response:
        return await self.client.post(f"/cases/{case_id}/attachments", files={"file": (name, content, content_type)},
                                      headers=headers or None)

    async def stored(self) -> tuple[list[str], int]:
        """Every object in the store and the count of attachment rows: what "nothing stored" compares."""
        async with self.runtime.sessions() as session:
            rows = (await session.exec(select(func.count()).select_from(Attachment))).one()
        return await self.keys(), rows

    async def keys(self) -> list[str]:
        return [stored.key for stored in await self.runtime.attachments.objects.listing()]

    async def kept(self, file_id: str) -> tuple[bool, bool]:
        """Whether the upload's object, and its row, are stored."""
        async with self.runtime.sessions() as session:
            row = (await session.exec(select(Attachment).where(Attachment.file_id == file_id))).first()
        return object_key(file_id) in await self.keys(), row is not None


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module", params=[
    ("sqlite", "filesystem"),
    pytest.param(("postgres", "filesystem"), marks=pytest.mark.postgres),
    ("sqlite", "s3"),
], ids=["sqlite", "postgres", "sqlite-s3"])
async def intake(request: pytest.FixtureRequest, broker: DevBroker, issuer: TokenIssuer,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Attaching]:
    database, backend = request.param
    port = free_port()
    home = tmp_path_factory.mktemp("intake-attachments")
    s3 = {}
    if backend == "s3":
        s3 = {"attachments_s3_endpoint_url": request.getfixturevalue("s3_server"),
              "attachments_s3_bucket": f"attachments-{port}", "attachments_s3_access_key_id": "testing",
              "attachments_s3_secret_access_key": "testing"}
    settings = IntakeSettings(
        environment="test", port=port, signing_secret=SECRET, log_level="WARNING",
        database_url=database_url(database, "intake", home), attachments_backend=backend,
        attachments_dir=home / "attachments", attachments_max_bytes=LIMIT, attachments_public_per_minute=1000,
        attachments_scan_hook=f"{__name__}:reject_eicar", attachments_pending_ttl_s=PENDING_TTL_S,
        attachments_sweep_interval_s=0.5, **s3,
    )
    runtime = build_runtime(settings, KafkaSettings(bootstrap_servers=broker.bootstrap_servers))
    app = runtime.app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not (server.started and runtime.startup.done):
        if task.done():
            task.result()
        assert runtime.startup.failure is None, runtime.startup.state
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    clerk = issuer.headers("window_clerk", sub="clerk-ft", name="窗口 王敏", hall="FT")
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=clerk) as client:
        yield Attaching(url=url, broker=broker, client=client, issuer=issuer, database_url=settings.database_url,
                        runtime=runtime, app=app)
    server.should_exit = True
    await task


async def test_an_uploaded_file_is_listed_and_read_back_byte_for_byte(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    content = pdf(3 * 1024 * 1024 + 17)  # many chunks each way
    uploaded = await intake.client.post(f"/cases/{case['id']}/attachments", data={"description": "银行同意函扫描件"},
                                        files={"file": ("银行同意函.pdf", content, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["description"] == "银行同意函扫描件"
    assert body["content_type"] == "application/pdf" and body["size_bytes"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["uploaded_by"] == "person:clerk-ft" and body["stored"] is True

    listed = (await intake.client.get(f"/cases/{case['id']}/attachments")).json()["items"]
    assert [(a["id"], a["file_name"], a["sha256"]) for a in listed] == [(body["id"], "银行同意函.pdf", body["sha256"])]
    assert [a["id"] for a in (await intake.case(case["id"]))["attachments"]] == [body["id"]]
    download = await intake.client.get(f"/cases/{case['id']}/attachments/{body['id']}/content")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_the_declared_type_may_be_left_out_and_the_sniffed_one_is_kept(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    uploaded = await intake.upload(case["id"], "现场照片.PNG", png())
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["content_type"] == "image/png"


async def test_an_attachment_added_goes_on_the_case_stream_with_its_name_masked(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    uploaded = await intake.upload(case["id"], "身份证13912345678.pdf", pdf(2048), "application/pdf")
    assert uploaded.status_code == 201, uploaded.text
    events = await intake.events(CASE_EVENTS, case["id"], until={"case.attachment_added"})
    added = next(e for e in events if e.type == "case.attachment_added")
    assert added.data["file_name"] == "身份证139****5678.pdf"
    assert added.data["attachment_id"] == uploaded.json()["id"] and added.data["source"] == "staff"
    assert added.actor == "person:clerk-ft"


async def test_a_file_over_the_limit_is_refused_413_naming_the_field_and_nothing_is_stored(
    intake: Attaching,
) -> None:
    case = await intake.register(walk_in())
    before = await intake.stored()
    refused = await intake.upload(case["id"], "扫描件.pdf", pdf(20 * 1024 * 1024), "application/pdf")
    assert refused.status_code == 413, refused.text
    assert refused.json()["errors"][0]["field"] == "file"
    assert await intake.stored() == before
    assert not list((intake.runtime.settings.attachments_dir / "staging").iterdir())


async def test_a_file_streamed_without_a_length_is_cut_off_at_the_limit(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    before = await intake.stored()
    boundary = "bancheng-boundary"

    async def body() -> AsyncIterator[bytes]:  # chunked: the server learns the size only as it reads
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
               f"Content-Type: application/pdf\r\n\r\n").encode()
        yield b"%PDF-1.7\n"
        for _ in range(12):
            yield os.urandom(1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    refused = await intake.client.post(f"/cases/{case['id']}/attachments", content=body(),
                                       headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert refused.status_code == 413, refused.text
    assert refused.json()["errors"][0]["field"] == "file"
    assert await intake.stored() == before


@pytest.mark.parametrize(("name", "content", "declared"), [
    ("photo.jpg", b"\x7fELF\x02\x01\x01\x00" + os.urandom(4000), "image/jpeg"),  # a program renamed
    ("setup.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(4000), "image/jpeg"),
    ("photo.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "image/jpeg"),  # no magic: unknown
    ("photo.jpg", png(), "image/jpeg"),  # a real image, not the type it claims
    ("photo.jpg", png(), "image/png"),  # the extension does not name what it is
], ids=["elf", "exe", "html", "png-as-jpeg", "png-named-jpg"])
async def test_a_disguised_file_is_refused_415_and_nothing_is_stored(
    intake: Attaching, name: str, content: bytes, declared: str,
) -> None:
    case = await intake.register(walk_in())
    before = await intake.stored()
    refused = await intake.upload(case["id"], name, content, declared)
    assert refused.status_code == 415, refused.text
    assert refused.json()["errors"][0]["field"] == "file"
    assert await intake.stored() == before


async def test_a_file_the_scanning_hook_rejects_is_refused_and_nothing_is_stored(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    before = await intake.stored()
    refused = await intake.upload(case["id"], "材料.pdf", b"%PDF-1.4\n" + EICAR + b"\n%%EOF\n", "application/pdf")
    assert refused.status_code == 422, refused.text
    assert "Eicar-Test-Signature" in refused.json()["errors"][0]["en"]
    assert await intake.stored() == before


async def test_a_body_that_is_not_one_file_is_refused_naming_the_field(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    url = f"/cases/{case['id']}/attachments"
    before = await intake.stored()
    as_json = await intake.client.post(url, json={"file": "not a file"})
    no_file = await intake.client.post(url, data={"file": "a field, not a file"}, files={"other": ("a.pdf", b"%PDF")})
    two = await intake.client.post(url, files=[("file", ("a.pdf", pdf(100))), ("file", ("b.pdf", pdf(100)))])
    for refused in (as_json, no_file, two):
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "file"
    wordy = await intake.client.post(url, data={"description": "长" * 201}, files={"file": ("a.pdf", pdf(100))})
    assert wordy.status_code == 422 and wordy.json()["errors"][0]["field"] == "description"
    assert await intake.stored() == before


async def test_an_attachment_described_at_registration_is_listed_but_has_no_content(intake: Attaching) -> None:
    described = {"file_name": "银行同意函.pdf", "content_type": "application/pdf", "size_bytes": 1024}
    case = await intake.register(walk_in(attachments=[described]))
    (listed,) = (await intake.client.get(f"/cases/{case['id']}/attachments")).json()["items"]
    assert (listed["file_name"], listed["stored"], listed["uploaded_by"]) == ("银行同意函.pdf", False, None)
    missing = await intake.client.get(f"/cases/{case['id']}/attachments/{listed['id']}/content")
    assert missing.status_code == 404
    other = await intake.register(walk_in())  # an attachment is read through its own case only
    assert (await intake.client.get(f"/cases/{other['id']}/attachments/{listed['id']}/content")).status_code == 404


async def test_a_department_sees_attachments_only_of_cases_it_holds_a_work_order_for(intake: Attaching) -> None:
    case = await intake.register(walk_in(forward=True))
    uploaded = (await intake.upload(case["id"], "王芳身份证110105199001011234.pdf", pdf(1024),
                                    "application/pdf")).json()
    await intake.publish(
        WorkOrderDispatched(work_order_id=f"{case['id']}-wo", case_number=case["case_number"], department="housing",
                            role="lead", tier="general", reason="rule"),
        topic=WORKORDER_EVENTS, case_id=case["id"], source="routing", actor="service:routing")
    housing = intake.auth("dept_handler", department="housing")
    market = intake.auth("dept_handler", department="market")
    listing = f"/cases/{case['id']}/attachments"
    content = f"{listing}/{uploaded['id']}/content"

    deadline = time.monotonic() + 20
    while (seen := await intake.client.get(listing, headers=housing)).status_code == 403:
        assert time.monotonic() < deadline, "intake never heard of the housing work order"
        await asyncio.sleep(0.1)
    assert seen.status_code == 200
    assert seen.json()["items"][0]["file_name"] == "王芳身份证110***********1234.pdf"  # masked for a department
    assert (await intake.client.get(content, headers=housing)).content[:8] == b"%PDF-1.7"

    for path in (listing, content):
        assert (await intake.client.get(path, headers=market)).status_code == 403
    before = await intake.stored()
    refused = await intake.client.post(listing, headers=market, files={"file": ("a.pdf", pdf(1024))})
    assert refused.status_code == 403
    assert await intake.stored() == before
    other_hall = intake.auth("window_clerk", hall="ZZ")
    assert (await intake.client.get(listing, headers=other_hall)).status_code == 403


async def test_file_names_are_whole_for_those_who_may_reveal_and_masked_for_the_others(intake: Attaching) -> None:
    case = await intake.register(walk_in())
    name = "王芳身份证110105199001011234.pdf"
    assert (await intake.upload(case["id"], name, pdf(1024), "application/pdf")).status_code == 201
    masked = "王芳身份证110***********1234.pdf"
    for roles, shown in ((("window_clerk",), name), (("supervisor",), name), (("auditor",), masked),
                         (("district_admin",), masked)):
        headers = intake.auth(*roles, hall="FT")
        listed = (await intake.client.get(f"/cases/{case['id']}/attachments", headers=headers)).json()["items"]
        read = (await intake.client.get(f"/cases/{case['id']}", headers=headers)).json()["attachments"]
        assert listed[0]["file_name"] == read[0]["file_name"] == shown, roles


async def test_a_citizens_upload_is_pending_until_a_case_claims_it_and_only_once(intake: Attaching) -> None:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as citizen:  # no login
        uploaded = await citizen.post("/public/attachments", files={"file": ("门口照片.png", png(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    pending = uploaded.json()
    assert pending["content_type"] == "image/png" and pending["expires_at"]
    case = await intake.register(walk_in())

    async with intake.runtime.sessions() as session, session.begin():
        claimed = await claim_pending_attachments(session, case_id=case["id"],
                                                  attachment_ids=[pending["attachment_id"]])
    assert [row.file_id for row in claimed] == [pending["attachment_id"]]
    listed = (await intake.client.get(f"/cases/{case['id']}/attachments")).json()["items"]
    assert [a["sha256"] for a in listed] == [pending["sha256"]]
    assert listed[0]["uploaded_by"] == "public:127.0.0.1"

    other = await intake.register(walk_in())
    for ids in ([pending["attachment_id"]], ["no-such-upload"]):
        with pytest.raises(InvalidInput) as refused:
            async with intake.runtime.sessions() as session, session.begin():
                await claim_pending_attachments(session, case_id=other["id"], attachment_ids=ids)
        assert refused.value.problems[0].field == "attachment_ids"
    assert (await intake.client.get(f"/cases/{other['id']}/attachments")).json()["items"] == []


async def test_a_citizens_upload_is_checked_as_staffs_are(intake: Attaching) -> None:
    before = await intake.stored()
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as citizen:
        disguised = await citizen.post("/public/attachments",
                                       files={"file": ("photo.jpg", b"\x7fELF\x02\x01\x01" + bytes(100), "image/jpeg")})
        too_large = await citizen.post("/public/attachments", files={"file": ("a.pdf", pdf(LIMIT + 1))})
        infected = await citizen.post("/public/attachments", files={"file": ("a.pdf", b"%PDF-1.4\n" + EICAR)})
    assert (disguised.status_code, too_large.status_code, infected.status_code) == (415, 413, 422)
    assert await intake.stored() == before


async def test_a_client_address_past_its_uploads_a_minute_is_refused_429(intake: Attaching) -> None:
    state = intake.app.state  # the running app's own counters
    kept = getattr(state, "public_upload_limit", None)
    state.public_upload_limit = PublicUploadLimit(limit=2, window_s=60)
    try:
        before = await intake.stored()
        async with httpx.AsyncClient(base_url=intake.url, timeout=30) as citizen:
            answers = [await citizen.post("/public/attachments", files={"file": ("a.png", png(), "image/png")})
                       for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert int(answers[2].headers["retry-after"]) >= 1
        objects, rows = await intake.stored()
        assert (len(objects), rows) == (len(before[0]) + 2, before[1] + 2)
    finally:
        state.public_upload_limit = kept


async def test_an_unclaimed_upload_expires_and_is_swept_object_and_row(intake: Attaching) -> None:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as citizen:
        uploaded = (await citizen.post("/public/attachments", files={"file": ("a.pdf", pdf(2048))})).json()
    file_id = uploaded["attachment_id"]
    assert await intake.kept(file_id) == (True, True)

    await asyncio.sleep(PENDING_TTL_S)
    case = await intake.register(walk_in())
    with pytest.raises(InvalidInput):  # expired, even before the sweep comes
        async with intake.runtime.sessions() as session, session.begin():
            await claim_pending_attachments(session, case_id=case["id"], attachment_ids=[file_id])
    deadline = time.monotonic() + 10
    while await intake.kept(file_id) != (False, False):
        assert time.monotonic() < deadline, "the expired upload was never swept"
        await asyncio.sleep(0.2)


async def test_an_object_left_without_its_row_is_found_and_deleted_by_the_orphans_command(
    intake: Attaching, tmp_path: Path,
) -> None:
    case = await intake.register(walk_in())
    kept = (await intake.upload(case["id"], "a.pdf", pdf(1024), "application/pdf")).json()
    left = tmp_path / "left"
    left.write_bytes(pdf(1024))
    orphan = object_key("01a00000-0000-7000-8000-00000000dead")  # as if the process died before the row's commit
    await intake.runtime.attachments.objects.put(orphan, left, content_type="application/pdf")
    settings = intake.runtime.settings
    environment = {**os.environ, **{f"BANCHENG_INTAKE_{name.upper()}": str(value) for name, value in {
        "database_url": settings.database_url, "attachments_backend": settings.attachments_backend,
        "attachments_dir": settings.attachments_dir,
        "attachments_s3_endpoint_url": settings.attachments_s3_endpoint_url or "",
        "attachments_s3_bucket": settings.attachments_s3_bucket,
        "attachments_s3_access_key_id": settings.attachments_s3_access_key_id,
        "attachments_s3_secret_access_key": settings.attachments_s3_secret_access_key.get_secret_value(),
    }.items()}}

    def orphans(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "services.intake", "attachments-orphans",
                               "--older-than-hours", "0", *args],
                              env=environment, capture_output=True, text=True, timeout=120, check=True)
        return done.stdout

    assert orphans() == f"orphan\t{orphan}\n"
    assert orphan in await intake.keys()  # listed, not deleted
    assert orphans("--delete") == f"deleted\t{orphan}\n"
    assert orphan not in await intake.keys()
    assert await intake.kept(await _file_id(intake, kept["id"])) == (True, True)


async def _file_id(intake: Attaching, attachment_id: int) -> str:
    async with intake.runtime.sessions() as session:
        row = await session.get(Attachment, attachment_id)
    assert row is not None and row.file_id is not None
    return row.file_id
