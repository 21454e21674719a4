"""Open311 GeoReport v2 against the running intake: a real client (`georeport` from PyPI) reads the
services and requests, answers validate against the official JSON schemas (/work/shared/open311, kept
in tests/integration/intake/open311_schemas), a form-encoded POST with a key from intake's CLI becomes
a case staff can open, and bad input gets the standard's error list."""

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from georeport import GeoReport
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.integration.intake.conftest import Intake

SCHEMAS = Path(__file__).parent / "open311_schemas"
BASE = "/open311/v2"
NAMES = {"first_name": "三", "last_name": "张", "phone": "13812345678", "email": "zhangsan@example.com"}


def validator(name: str) -> Draft7Validator:
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT7))
        for path in SCHEMAS.glob("*.json"))
    return Draft7Validator(json.loads((SCHEMAS / name).read_text()), registry=registry, format_checker=FormatChecker())


def assert_valid(name: str, body: object) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(body)]
    assert not errors, errors
    if name == "requests.json":  # format "date-time" is only checked with an optional package: read them here
        for request in body:
            for field in ("requested_datetime", "updated_datetime"):
                assert datetime.fromisoformat(request[field]).utcoffset() is not None, request[field]


async def key_cli(intake: Intake, *args: str) -> str:
    """`python -m services.intake open311-key ...` on the running intake's database; its output. Run off the
    event loop: the intake in this process keeps serving (and finishes its own SQLite writes) meanwhile."""
    env = {**os.environ, "BANCHENG_INTAKE_DATABASE_URL": intake.database_url, "BANCHENG_INTAKE_ENVIRONMENT": "test"}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "services.intake", "open311-key", *args],
                                   env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def issue_key(intake: Intake, client: str, *districts: str) -> str:
    return await key_cli(intake, "add", "--client", client, *(arg for d in districts for arg in ("--district", d)))


@pytest.fixture(scope="module")
async def demo_key(intake: Intake) -> str:
    return await issue_key(intake, "citizen-app", "demo")


def report(key: str, **fields: str) -> dict[str, str]:
    return {"api_key": key, "jurisdiction_id": "demo", "service_code": "missing_materials",
            "attribute[hall]": "FT", "attribute[matter]": "business_licence",
            "description": "营业执照办理时窗口说材料不齐,但没说缺哪一份", "lat": "22.5431", "long": "114.0579",
            "address_string": "演示区福田路1号", "media_url": "https://photos.example.org/p/1.jpg", **NAMES, **fields}


async def post(intake: Intake, form: dict[str, str], fmt: str = "json") -> httpx.Response:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as anonymous:
        return await anonymous.post(f"{BASE}/requests.{fmt}", data=form)


def assert_no_personal_data(text: str) -> None:
    for value in ("张三", "张", "13812345678", "zhangsan", "5678"):
        assert value not in text, value


async def test_a_form_encoded_report_becomes_a_case_with_its_location_and_no_personal_data_in_the_answer(
    intake: Intake, demo_key: str,
) -> None:
    response = await post(intake, report(demo_key))
    assert response.status_code == 200, response.text
    [created] = response.json()
    number = created["service_request_id"]
    assert number.startswith("FT-")
    assert_no_personal_data(response.text)

    found = await intake.client.post("/cases/by-applicant", json={"phone": NAMES["phone"]})
    assert found.status_code == 200, found.text
    [listed] = [case for case in found.json()["items"] if case["case_number"] == number]
    case = await intake.case(listed["id"])
    assert (case["channel"], case["problem_kind"], case["matter_code"], case["state"]) == (
        "open311", "missing_materials", "business_licence", "registered")
    assert (case["lat"], case["long"], case["address"], case["media_url"]) == (
        22.5431, 114.0579, "演示区福田路1号", "https://photos.example.org/p/1.jpg")
    assert case["first_responder"] == "open311:citizen-app"
    revealed = await intake.client.post(f"/cases/{listed['id']}/reveal",
                                        json={"reason": "核对Open311来件", "fields": ["name", "phone", "email"]})
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["applicant"] == {"name": "张三", "phone": "13812345678", "email": "zhangsan@example.com"}

    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as anonymous:
        one = await anonymous.get(f"{BASE}/requests/{number}.json", params={"jurisdiction_id": "demo"})
    assert one.status_code == 200, one.text
    assert_valid("requests.json", one.json())
    [entry] = one.json()
    assert (entry["status"], entry["service_code"], entry["lat"], entry["address"]) == (
        "open", "missing_materials", 22.5431, "演示区福田路1号")
    assert entry["requested_datetime"].endswith("+08:00")
    assert entry["agency_responsible"]  # the matter's lead department, by name
    assert_no_personal_data(one.text)


async def test_the_georeport_client_lists_services_and_reads_requests_in_json_and_xml(
    intake: Intake, demo_key: str,
) -> None:
    number = (await post(intake, report(demo_key, service_code="policy_unclear"))).json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(f"{intake.url}{BASE}", jurisdiction="demo", output_format=fmt)
        services = await asyncio.to_thread(client.get_service_list)
        assert {"missing_materials", "policy_unclear"} <= {s["service_code"] for s in services}
        definition = await asyncio.to_thread(client.get_service_definition, "policy_unclear")
        assert definition["service_code"] == "policy_unclear"
        requests = await asyncio.to_thread(client.get_service_requests, service_code="policy_unclear")
        requests = requests if isinstance(requests, list) else [requests]  # xmltodict: one element, no list
        assert number in {r["service_request_id"] for r in requests}
        one = await asyncio.to_thread(client.get_service_request, number)
        assert number in json.dumps(one)


async def test_the_answers_validate_against_the_official_schemas(intake: Intake, demo_key: str) -> None:
    await post(intake, report(demo_key))
    async with httpx.AsyncClient(base_url=f"{intake.url}{BASE}", timeout=30) as anonymous:
        services = await anonymous.get("/services.json", params={"jurisdiction_id": "demo"})
        assert_valid("services.json", services.json())
        for service in services.json():
            definition = await anonymous.get(f"/services/{service['service_code']}.json",
                                             params={"jurisdiction_id": "demo"})
            assert_valid("service-definition.json", definition.json())
        listed = await anonymous.get("/requests.json", params={"jurisdiction_id": "demo", "status": "open"})
        assert listed.json()
        assert_valid("requests.json", listed.json())
        assert_no_personal_data(listed.text)


async def test_xml_answers_are_shaped_as_the_specification_shows(intake: Intake, demo_key: str) -> None:
    created = await post(intake, report(demo_key), fmt="xml")
    root = ElementTree.fromstring(created.content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text.startswith("FT-")
    async with httpx.AsyncClient(base_url=f"{intake.url}{BASE}", timeout=30) as anonymous:
        definition = ElementTree.fromstring(
            (await anonymous.get("/services/missing_materials.xml", params={"jurisdiction_id": "demo"})).content)
        assert definition.tag == "service_definition"
        hall = definition.find("attributes/attribute[code='hall']")
        assert hall.find("required").text == "true"
        assert {v.find("key").text for v in hall.findall("values/value")} == {"FT", "DEMO"}
        error = await anonymous.get("/services/nonsense.xml", params={"jurisdiction_id": "demo"})
        assert error.status_code == 400
        assert ElementTree.fromstring(error.content).find("error/code").text == "400"


@pytest.mark.parametrize(("change", "status", "named"), [
    ({"api_key": "o311_wrong"}, 403, "api_key"),
    ({"api_key": ""}, 403, "api_key"),
    ({"service_code": "pothole"}, 400, "pothole"),
    ({"attribute[hall]": ""}, 400, "attribute[hall]"),
    ({"attribute[matter]": "no_such_matter"}, 400, "attribute[matter]"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "", "long": "", "address_string": ""}, 400, "address_string"),
    ({"phone": "12"}, 400, "phone"),
    ({"jurisdiction_id": ""}, 400, "jurisdiction_id"),
])
async def test_bad_reports_get_the_specifications_error_list_naming_the_field(
    intake: Intake, demo_key: str, change: dict[str, str], status: int, named: str,
) -> None:
    before = await intake.counts()
    for fmt in ("json", "xml"):
        response = await post(intake, report(demo_key, **change), fmt=fmt)
        assert response.status_code == status, response.text
        if fmt == "json":
            errors = response.json()
            assert all(e["code"] == status for e in errors) and any(named in e["description"] for e in errors), errors
        else:
            root = ElementTree.fromstring(response.content)
            assert root.tag == "errors" and named in root.find("error/description").text
    assert await intake.counts() == before  # nothing registered


async def test_a_key_may_post_only_to_its_own_districts(intake: Intake) -> None:
    other = await issue_key(intake, "shahe-app", "shenzhen-shahe")
    response = await post(intake, report(other))
    assert response.status_code == 403
    [error] = response.json()
    assert error["code"] == 403 and "demo" in error["description"]


async def test_requests_are_filtered_by_id_status_and_a_range_of_at_most_90_days(intake: Intake, demo_key: str) -> None:
    first = (await post(intake, report(demo_key))).json()[0]["service_request_id"]
    second = (await post(intake, report(demo_key))).json()[0]["service_request_id"]
    async with httpx.AsyncClient(base_url=f"{intake.url}{BASE}", timeout=30) as anonymous:
        by_id = await anonymous.get("/requests.json", params={
            "jurisdiction_id": "demo", "service_request_id": f"{first},{second}", "status": "closed"})
        assert {r["service_request_id"] for r in by_id.json()} == {first, second}  # ids override the rest
        closed = await anonymous.get("/requests.json", params={"jurisdiction_id": "demo", "status": "closed"})
        assert first not in {r["service_request_id"] for r in closed.json()}
        old = await anonymous.get("/requests.json", params={
            "jurisdiction_id": "demo", "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"})
        assert old.status_code == 200 and old.json() == []
        too_wide = await anonymous.get("/requests.json", params={
            "jurisdiction_id": "demo", "start_date": "2020-01-01T00:00:00Z", "end_date": "2020-06-01T00:00:00Z"})
        assert too_wide.status_code == 400 and "90 days" in too_wide.json()[0]["description"]
        unknown = await anonymous.get("/requests/FT-20200101-9999.json", params={"jurisdiction_id": "demo"})
        assert unknown.status_code == 404


async def test_a_retried_post_with_the_same_idempotency_key_registers_one_case(intake: Intake, demo_key: str) -> None:
    before = await intake.counts()
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as anonymous:
        answers = [await anonymous.post(f"{BASE}/requests.json", data=report(demo_key),
                                        headers={"Idempotency-Key": "open311-retry-1"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json()[0]["service_request_id"] == answers[1].json()[0]["service_request_id"]
    after = await intake.counts()
    assert sum(after.values()) == sum(before.values()) + 1


async def test_a_revoked_key_posts_no_more_and_the_list_never_shows_keys(intake: Intake) -> None:
    key = await issue_key(intake, "retired-app", "demo")
    assert (await post(intake, report(key))).status_code == 200
    assert "1 key(s) of retired-app revoked" in await key_cli(intake, "revoke", "--client", "retired-app")
    refused = await post(intake, report(key))
    assert refused.status_code == 403 and "api_key" in refused.json()[0]["description"]
    listed = await key_cli(intake, "list")
    assert "retired-app\tdemo" in listed and "revoked" in listed and key not in listed
