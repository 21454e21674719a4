"""The applicant's personal data in intake: sealed in the database, masked in every answer, found by
blind index, revealed whole only with a reason (an audited event), and never in logs or metrics."""

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from shared import db
from shared.events.case import PersonalDataRevealed
from shared.topics import CASE_EVENTS
from tests.integration.intake.conftest import Intake, walk_in

NAME, PHONE, ID_NUMBER, EMAIL = "欧阳明远", "13687654321", "11010519491231002X", "ouyang.mingyuan@example.cn"
SECRETS = (NAME, PHONE, ID_NUMBER, EMAIL, "8765432")


def citizen(**overrides: object) -> dict:
    return walk_in(**{"description": "营业执照变更材料被退回三次", "applicant": {
        "kind": "person", "name": NAME, "phone": f"+86 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}",
        "id_type": "resident_id", "id_number": ID_NUMBER.lower(), "email": EMAIL}, **overrides})


class Captured(logging.Handler):
    """Every log record of the process, as its message would read before any masking."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")


@pytest.fixture
def logs() -> Iterator[Captured]:
    root, handler = logging.getLogger(), Captured()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


async def test_a_registered_applicant_is_masked_in_answers_and_sealed_in_the_database(
    intake: Intake, logs: Captured
) -> None:
    case = await intake.register(citizen(forward=True))
    read = await intake.case(case["id"])
    card = await intake.client.get(f"/cases/{case['id']}/tracking-card")
    metrics = await intake.client.get("/metrics")

    masked = {"kind": "person", "name": "欧***", "phone": "136****4321", "email": "o***@example.cn",
              "id_type": "resident_id", "id_number": "110***********002X", "credit_code": None, "contact_name": ""}
    assert case["applicant"] == read["applicant"] == masked
    assert "欧***" in card.text and logs.lines  # the process logged, at DEBUG, while it registered
    for answer in (str(case), str(read), card.text, metrics.text, *logs.lines):
        assert not any(secret in answer for secret in SECRETS), answer[:300]

    engine = db.create_engine(intake.database_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT applicant_name, applicant_phone, applicant_email, applicant_id_number, applicant_phone_index "
                "FROM \"case\" WHERE id = :id"), {"id": case["id"]})).one()
    finally:
        await engine.dispose()
    assert all(value.startswith("v1:dev:") for value in row[:4]), row
    assert len(row.applicant_phone_index) == 64
    if intake.database_url.startswith("sqlite"):
        path = Path(intake.database_url.split("///", 1)[1])
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # the file, its WAL and SHM
        assert not any(secret.encode() in stored for secret in SECRETS)


async def test_reveal_needs_a_reason_and_publishes_who_saw_which_fields_but_not_the_values(intake: Intake) -> None:
    case = await intake.register(citizen())
    url = f"/cases/{case['id']}/reveal"

    missing = await intake.client.post(url, json={})
    short = await intake.client.post(url, json={"reason": "  看 "})
    revealed = await intake.client.post(
        url,
        json={"reason": "回访前核实身份", "fields": ["name", "phone", "id_number"]},
        headers=intake.auth("window_clerk", sub="li", hall="FT"),
    )
    whole = await intake.client.post(url, json={"reason": "复核 12345 转办工单"})
    other_hall = await intake.client.post(url, json={"reason": "回访前核实身份"},
                                          headers=intake.auth("window_clerk", hall="DEMO"))
    auditor = await intake.client.post(url, json={"reason": "回访前核实身份"}, headers=intake.auth("auditor"))

    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["applicant"] == {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER}
    assert revealed.headers["Cache-Control"] == "no-store"
    assert whole.json()["applicant"]["email"] == EMAIL and set(whole.json()["applicant"]) == {
        "name", "phone", "email", "id_number", "credit_code", "contact_name"}
    assert other_hall.status_code == 403 and auditor.status_code == 403
    events = await intake.events(CASE_EVENTS, case["id"], until={PersonalDataRevealed.type}, times=2)
    reveals = [e for e in events if e.type == PersonalDataRevealed.type]
    assert len(reveals) == 2  # the refused ones revealed nothing and left no event
    assert reveals[0].actor == "person:li"
    assert reveals[0].data["fields"] == ["name", "phone", "id_number"] and reveals[0].data["reason"] == "回访前核实身份"
    assert not any(secret in str(e.data) for e in events for secret in SECRETS)
    assert (
        await intake.client.post("/cases/no-such-case/reveal", json={"reason": "回访前核实身份"})
    ).status_code == 404


async def test_cases_are_found_by_phone_or_id_number_through_the_blind_index(intake: Intake) -> None:
    other = "13587654321"
    first = await intake.register(citizen())
    second = await intake.register(citizen())
    stranger = await intake.register(walk_in(applicant={"kind": "person", "name": "赵六", "phone": other}))

    by_phone = await intake.client.post("/cases/by-applicant", json={"phone": PHONE})
    by_id = await intake.client.post("/cases/by-applicant", json={"id_number": ID_NUMBER.lower()})
    both = await intake.client.post("/cases/by-applicant", json={"phone": other, "id_number": ID_NUMBER})
    neither = await intake.client.post("/cases/by-applicant", json={})

    found = [c["id"] for c in by_phone.json()["items"]]
    assert found[:2] == [second["id"], first["id"]] and stranger["id"] not in found
    assert {c["id"] for c in by_id.json()["items"]} >= {first["id"], second["id"]}
    assert by_phone.json()["items"][0]["applicant"]["phone"] == "136****4321"
    assert both.json()["items"] == []
    assert neither.status_code == 422
    elsewhere = await intake.client.post("/cases/by-applicant", json={"phone": PHONE},
                                         headers=intake.auth("window_clerk", hall="DEMO"))
    assert elsewhere.status_code == 200 and elsewhere.json()["items"] == []  # another hall's clerk finds none of FT's


async def test_the_citizens_status_lookup_still_matches_the_phone_digits(intake: Intake) -> None:
    case = await intake.register(citizen())

    found = await intake.client.post("/status-lookup", json={"case_number": case["case_number"], "phone_last4": "4321"})
    wrong = await intake.client.post("/status-lookup", json={"case_number": case["case_number"], "phone_last4": "1234"})

    assert found.status_code == 200 and found.json()["applicant"] == "欧***" and found.json()["phone"] == "136****4321"
    assert wrong.status_code == 404


async def test_audit_keeps_the_reveal_and_no_personal_data(
    intake: Intake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.audit.app import build_runtime as build_audit

    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("BANCHENG_AUDIT_DATABASE_URL", url)
    monkeypatch.setenv("BANCHENG_AUDIT_SIGNING_KEY_PATH", str(tmp_path / "audit-key.pem"))
    monkeypatch.setenv("BANCHENG_AUDIT_ENVIRONMENT", "test")
    monkeypatch.setenv("BANCHENG_KAFKA_BOOTSTRAP_SERVERS", intake.broker.bootstrap_servers)
    case = await intake.register(citizen(forward=True, description=f"办事人留了电话 {PHONE},身份证 {ID_NUMBER}"))
    await intake.client.post(f"/cases/{case['id']}/reveal", json={"reason": "回访前核实身份", "fields": ["phone"]})
    audit = build_audit()
    await audit.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=audit.app()), base_url="http://audit") as client:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                timeline = (await client.get(f"/cases/{case['id']}/timeline", headers=intake.auth("auditor"))).json()[
                    "items"
                ]
                if any(entry["type"] == PersonalDataRevealed.type for entry in timeline):
                    break
                await asyncio.sleep(0.2)
    finally:
        await audit.stop()

    reveal = next(entry for entry in timeline if entry["type"] == PersonalDataRevealed.type)
    assert reveal["actor"] == "person:clerk-ft" and reveal["data"]["fields"] == ["phone"]
    assert "case.registered" in {entry["type"] for entry in timeline}
    assert not any(secret in str(timeline) for secret in SECRETS)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.db*"))
    assert not any(secret.encode() in stored for secret in SECRETS)
