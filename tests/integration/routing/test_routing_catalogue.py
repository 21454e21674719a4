"""The catalogue changes at run time through the API; a new department is configuration plus a subscription."""

import httpx

from shared.topics import department_topic
from tests.integration.routing.conftest import forwarded, publish, staff, work_orders

ARCHIVES = {"code": "archives", "name": "档案馆", "aliases": ["档案馆", "档案局"]}
RECORDS = {"code": "archive_records", "name": "档案查询利用", "lead": "archives", "tier": "simple",
           "keywords": ["查档案", "档案查询", "调档"]}


async def test_a_department_added_at_run_time_receives_its_work_orders_on_its_new_topic(
        broker, routing, read_topic) -> None:
    feed = read_topic(department_topic("archives"))  # the department's system subscribes first
    async with httpx.AsyncClient(base_url=routing, headers=staff("district_admin")) as client:
        before = (await client.get("/districts/demo/catalogue")).json()["version"]
        added = await client.put("/districts/demo/departments/archives",
                                 json={"department": ARCHIVES})
        assert added.status_code == 200, added.text
        matter = await client.put("/districts/demo/matters/archive_records",
                                  json={"matter": RECORDS})
        assert matter.json()["version"] == before + 2
        history = (await client.get("/districts/demo/catalogue/versions")).json()["items"]
        assert [v["change"] for v in history[-2:]] == ["department archives set", "matter archive_records set"]

        case = forwarded("想办理档案查询，查当年的招工档案")
        await publish(broker, case)
        order = (await work_orders(client, case.case_id))[0]
    assert order["department"] == "archives"
    received = (await feed.wait_for(case_id=case.case_id, timeout_s=30))[0]
    assert received.data["work_order_id"] == order["id"] and received.data["catalogue_version"] == before + 2


async def test_a_matter_led_by_an_unknown_department_is_refused_and_the_version_stays(routing) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff("district_admin")) as client:
        before = (await client.get("/districts/demo/catalogue")).json()["version"]
        refused = await client.put("/districts/demo/matters/ghost_matter", json={
            "matter": {**RECORDS, "code": "ghost_matter", "lead": "ghost_bureau"}})
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["field"] == "matter" and "ghost_bureau" in error["zh"]
        bad_code = await client.put("/districts/demo/departments/Bad-Code", json={
            "department": {**ARCHIVES, "code": "Bad-Code"}})
        assert bad_code.status_code == 422
        other_district = await client.get("/districts/atlantis/catalogue")
        assert other_district.status_code == 403  # an administrator of demo reaches demo's catalogue only
        assert (await client.get("/districts/demo/catalogue")).json()["version"] == before
