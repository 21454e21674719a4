"""The catalogue changes at run time with its district pack (`PUT /districts/{code}/pack`): a new department is
configuration plus a subscription; a pack that does not validate as a whole is refused field by field and
nothing changes."""

import copy
from typing import Any

import httpx
import pytest

from shared.topics import department_topic
from tests.integration.routing.conftest import forwarded, publish, staff, work_orders

ARCHIVES = {"code": "archives", "name_zh": "档案馆", "name_en": "Archives", "aliases": ["档案馆", "档案局"]}
RECORDS = {"code": "archive_records", "name_zh": "档案查询利用", "lead_department": "archives", "tier": "simple",
           "keywords": ["查档案", "档案查询", "调档"]}


async def demo_pack(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/districts/demo/pack")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_department_added_at_run_time_receives_its_work_orders_on_its_new_topic(
        broker, routing, read_topic) -> None:
    feed = read_topic(department_topic("archives"))  # the department's system subscribes first
    async with httpx.AsyncClient(base_url=routing, headers=staff("district_admin")) as client:
        before = await demo_pack(client)
        pack = before["pack"]
        pack["departments"].append(ARCHIVES)
        pack["matters"].append(RECORDS)
        changed = await client.put("/districts/demo/pack", json=pack, params={"change": "archives added"},
                                   headers={"If-Match": str(before["version"])})
        assert changed.status_code == 200, changed.text
        assert changed.json()["version"] == before["version"] + 1
        assert changed.headers["ETag"] == f'"{before["version"] + 1}"'
        catalogue = (await client.get("/districts/demo/catalogue")).json()
        assert catalogue["version"] == before["version"] + 1
        assert "archives" in {d["code"] for d in catalogue["departments"]}
        history = (await client.get("/districts/demo/pack/versions")).json()["items"]
        assert history[-1]["change"] == "archives added" and history[-1]["version"] == before["version"] + 1

        case = forwarded("想办理档案查询，查当年的招工档案")
        await publish(broker, case)
        order = (await work_orders(client, case.case_id))[0]
    assert order["department"] == "archives"
    received = (await feed.wait_for(case_id=case.case_id, timeout_s=30))[0]
    assert received.data["work_order_id"] == order["id"]
    assert received.data["catalogue_version"] == before["version"] + 1


def _unknown_department(pack: dict[str, Any]) -> str:
    pack["matters"][0]["lead_department"] = "ghost_bureau"
    return "pack.matters[0].lead_department"


def _negative_tier(pack: dict[str, Any]) -> str:
    pack["sla"]["tiers"]["general"]["working_days"] = -1
    return "pack.sla.tiers.general.working_days"


def _kind_without_rule(pack: dict[str, Any]) -> str:
    kind = next(i for i, k in enumerate(pack["problem_kinds"]) if k.get("routing") and not k.get("manual_triage"))
    pack["problem_kinds"][kind]["routing"] = None
    return f"pack.problem_kinds[{kind}].routing"


def _duplicate_code(pack: dict[str, Any]) -> str:
    pack["departments"].append(copy.deepcopy(pack["departments"][0]))
    return f"pack.departments[{len(pack['departments']) - 1}].code"


def _hall_of_another_district(pack: dict[str, Any]) -> str:
    pack["halls"][0]["code"] = "SHH"  # Shenzhen Shahe's case-number prefix
    return "pack.halls[0].code"


@pytest.mark.parametrize("spoil", [_unknown_department, _negative_tier, _kind_without_rule, _duplicate_code,
                                   _hall_of_another_district])
async def test_a_pack_that_does_not_validate_is_refused_naming_the_field_and_nothing_changes(routing, spoil) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff("district_admin")) as client:
        before = await demo_pack(client)
        pack = copy.deepcopy(before["pack"])
        field = spoil(pack)
        refused = await client.put("/districts/demo/pack", json=pack)
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert field in [e["field"] for e in errors], errors
        assert all(e["zh"] and e["en"] for e in errors)
        assert await demo_pack(client) == before
        versions = (await client.get("/districts/demo/pack/versions")).json()["items"]
        assert all(v["version"] <= before["version"] for v in versions)


async def test_only_the_districts_own_administrator_publishes_its_pack(routing) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff("district_admin")) as client:
        pack = (await demo_pack(client))["pack"]
        assert (await client.get("/districts/atlantis/pack")).status_code == 403
        assert (await client.put("/districts/atlantis/pack", json={**pack, "code": "atlantis"})).status_code == 403
        stale = await client.put("/districts/demo/pack", json=pack, headers={"If-Match": "0"})
        assert stale.status_code == 412
    async with httpx.AsyncClient(base_url=routing, headers=staff("supervisor")) as client:
        assert (await client.put("/districts/demo/pack", json=pack)).status_code == 403
