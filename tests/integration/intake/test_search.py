"""Staff find a case by what they know (`POST /cases/search`): a case number, a 12345 ticket id, a phone, an
ID number, a credit code or the applicant's full name; personal values through their blind indexes, within
the caller's hall or district."""

import json
import random
import time
import uuid

from sqlalchemy import text

from shared import db
from shared.webhook_signing import signed_headers
from services.intake.domain.identity import credit_code_check_char, resident_id_check_char
from tests.integration.intake.conftest import SECRET, Intake, walk_in

GIVEN = "明远思齐景行致知"


def someone() -> dict[str, str]:
    """A person nobody else in the module's database is: a fresh name, mobile and ID number."""
    born = f"19{random.randint(50, 99)}0{random.randint(1, 9)}1{random.randint(0, 9)}"
    first17 = f"110105{born}{random.randint(100, 999)}"
    name = random.choice(["司马", "欧阳", "诸葛", "上官"]) + "".join(random.sample(GIVEN, 3))
    return {"kind": "person", "name": name,
            "phone": f"139{random.randint(0, 99_999_999):08d}", "id_type": "resident_id",
            "id_number": first17 + resident_id_check_char(first17)}


def enterprise() -> dict[str, str]:
    first17 = "91440300" + "".join(random.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=9))
    return {"kind": "enterprise", "name": f"福田{uuid.uuid4().hex[:6]}贸易有限公司", "phone": "0755-86123456",
            "credit_code": first17 + credit_code_check_char(first17), "contact_name": "赵六"}


async def search(intake: Intake, q: str, **headers: str) -> dict:
    response = await intake.client.post("/cases/search", json={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict) -> list[str]:
    return [case["id"] for case in page["items"]]


async def test_a_case_is_found_by_its_number_phone_id_number_and_full_name(intake: Intake) -> None:
    person = someone()
    first = await intake.register(walk_in(applicant=person))
    second = await intake.register(walk_in(applicant=person, description="第二次来反映"))
    spaced_phone = f"+86 {person['phone'][:3]}-{person['phone'][3:7]} {person['phone'][7:]}"

    by_number = await search(intake, f" {first['case_number'].lower()} ")
    by_phone = await search(intake, spaced_phone)
    by_id = await search(intake, person["id_number"].lower())
    by_name = await search(intake, f"{person['name'][:2]} {person['name'][2:]}")
    by_part_of_the_name = await search(intake, person["name"][:3])

    assert ids(by_number) == [first["id"]] and by_number["recognised_as"] == ["case_number"]
    assert ids(by_phone) == [second["id"], first["id"]] and "phone" in by_phone["recognised_as"]
    assert ids(by_id) == [second["id"], first["id"]] and "id_number" in by_id["recognised_as"]
    assert ids(by_name) == [second["id"], first["id"]] and by_name["recognised_as"] == ["name"]
    assert ids(by_part_of_the_name) == []  # the exact full name only: a keyed hash has no prefixes
    row = by_phone["items"][0]
    assert row["applicant"]["name"] == person["name"][0] + "*" * 4 and row["applicant"]["phone"].count("*") == 4
    assert {row["hall"], row["district"], row["state"]} == {"FT", "demo", "registered"}
    paged = (await intake.client.post("/cases/search?limit=1", json={"q": person["phone"]})).json()
    assert ids(paged) == [second["id"]] and paged["next_offset"] == 1


async def test_an_enterprise_is_found_by_its_credit_code_and_registered_name(intake: Intake) -> None:
    company = enterprise()
    case = await intake.register(walk_in(applicant=company))

    by_code = await search(intake, company["credit_code"])
    by_name = await search(intake, company["name"])

    assert ids(by_code) == [case["id"]] and "credit_code" in by_code["recognised_as"]
    assert ids(by_name) == [case["id"]] and by_name["items"][0]["applicant"]["name"] == company["name"]


async def test_a_12345_order_is_found_by_its_ticket_id(intake: Intake) -> None:
    ticket = f"SZ12345-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"order_id": ticket, "revision": 1, "hall": "FT", "category": "policy_unclear",
                       "content": "来电反映社保转移多次被退回", "urgent": False,
                       "caller": {"name": "陈七", "phone": "13712345678"}}, ensure_ascii=False).encode()
    headers = signed_headers(secret=SECRET, delivery_id=str(uuid.uuid4()), body=body, now=time.time())
    created = await intake.client.post("/hotline/12345/orders", content=body,
                                       headers={**headers, "Content-Type": "application/json"})
    assert created.status_code == 201, created.text

    found = await search(intake, ticket)

    assert ids(found) == [created.json()["case_id"]] and found["items"][0]["hotline_order_id"] == ticket
    assert "hotline_ticket" in found["recognised_as"]  # and a passport number, which it might be too


async def test_a_search_keeps_to_the_callers_hall_or_district(intake: Intake) -> None:
    person = someone()
    case = await intake.register(walk_in(applicant=person))

    other_hall = await search(intake, person["phone"], **intake.auth("window_clerk", hall="DEMO"))
    other_district = await search(intake, person["phone"], **intake.auth("supervisor", district="shenzhen-shahe"))
    supervisor = await search(intake, person["phone"], **intake.auth("supervisor"))
    narrowed = await intake.client.post("/cases/search?hall=DEMO", json={"q": person["phone"]},
                                        headers=intake.auth("supervisor"))
    outside = await intake.client.post("/cases/search?district=zhongshan", json={"q": person["phone"]},
                                       headers=intake.auth("supervisor"))
    citizen = await intake.client.post("/cases/search", json={"q": person["phone"]},
                                       headers=intake.auth("dept_handler", department="market"))

    assert ids(other_hall) == [] and ids(other_district) == [] and ids(supervisor) == [case["id"]]
    assert narrowed.status_code == 200 and ids(narrowed.json()) == []
    assert outside.status_code == 403 and citizen.status_code == 403


async def test_what_cannot_be_recognised_is_refused_naming_q(intake: Intake) -> None:
    for q in ("   ", "12 34", "？！", "x" * 101):
        response = await intake.client.post("/cases/search", json={"q": q})
        assert response.status_code == 422, q
        assert [error["field"] for error in response.json()["errors"]] == ["q"], response.json()


async def test_the_name_and_credit_code_are_kept_as_keyed_hashes_not_text(intake: Intake) -> None:
    company = enterprise()
    case = await intake.register(walk_in(applicant=company))

    engine = db.create_engine(intake.database_url)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text(
                'SELECT applicant_name, applicant_credit_code, applicant_name_index, applicant_credit_code_index '
                'FROM "case" WHERE id = :id'), {"id": case["id"]})).one()
    finally:
        await engine.dispose()
    assert row.applicant_name.startswith("v1:") and row.applicant_credit_code.startswith("v1:")
    assert len(row.applicant_name_index) == len(row.applicant_credit_code_index) == 64
    assert company["credit_code"] not in str(tuple(row)) and company["name"] not in str(tuple(row))
