"""A forwarded case on the real broker: routed to department topics, sent to manual triage, or referred."""

import httpx

from shared.topics import WORKORDER_EVENTS, dead_letter_topic, department_topic
from tests.integration.routing.conftest import forwarded, publish, routing_of, staff, work_orders


async def test_forwarded_case_reaches_the_lead_and_assisting_departments_topics(broker, routing, read_topic) -> None:
    market, tax, stream = read_topic(department_topic("market")), read_topic(department_topic("tax")), \
        read_topic(WORKORDER_EVENTS)
    case = forwarded("饭店转让后要注销原来的公司，清算组找不到股东", matter_code="business_deregistration",
                     problem_kind="multi_department")
    await publish(broker, case)

    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        orders = await work_orders(client, case.case_id, count=3)
    roles = {o["department"]: o["role"] for o in orders}
    assert roles == {"market": "lead", "tax": "assisting", "hr_social": "assisting"}
    assert {o["tier"] for o in orders} == {"complex"}
    on_market = (await market.wait_for(case_id=case.case_id))[0]
    on_tax = (await tax.wait_for(case_id=case.case_id))[0]
    dispatched = await stream.wait_for(3, type="workorder.dispatched", case_id=case.case_id)
    assert on_market.data["role"] == "lead" and on_tax.data["role"] == "assisting"
    assert {on_market.id, on_tax.id} <= {e.id for e in dispatched}  # the same envelope on both topics
    assert all(e.causation_id == case.id for e in dispatched)


async def test_unsure_case_waits_in_manual_triage_with_the_rules_reason_until_staff_assign_it(
        broker, routing, read_topic) -> None:
    stream = read_topic(WORKORDER_EVENTS)
    case = forwarded("上次来过一次，还是不清楚，请帮忙看看")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        routed = await routing_of(client, case.case_id, state="manual_triage")
        assert "未匹配到任何事项关键词" in routed["reason"]
        queue = (await client.get("/triage", params={"district": "demo"})).json()["items"]
        assert case.case_id in {item["case_id"] for item in queue}
        event = (await stream.wait_for(type="workorder.manual_triage_required", case_id=case.case_id))[0]
        assert event.data["reason"] == routed["reason"]

        unknown = await client.post(f"/triage/{case.case_id}/assign", json={"lead": "nowhere"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "lead"
        assert "nowhere" in unknown.json()["errors"][0]["zh"]
        assert (await client.get(f"/cases/{case.case_id}/work-orders")).json()["items"] == []

        assigned = await client.post(f"/triage/{case.case_id}/assign", json={"lead": "civil_affairs"})
        assert assigned.status_code == 202, assigned.text
        orders = (await client.get(f"/cases/{case.case_id}/work-orders")).json()["items"]
        assert [(o["department"], o["role"]) for o in orders] == [("civil_affairs", "lead")]
        assert case.case_id not in {i["case_id"] for i in (await client.get("/triage")).json()["items"]}


async def test_an_unknown_matter_goes_to_manual_triage_saying_so(broker, routing) -> None:
    case = forwarded("营业执照办不下来", matter_code="no_such_matter")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        routed = await routing_of(client, case.case_id, state="manual_triage")
    assert "no_such_matter" in routed["reason"]


async def test_out_of_scope_case_is_referred_visibly_and_gets_no_work_order(broker, routing, read_topic) -> None:
    stream = read_topic(WORKORDER_EVENTS)
    case = forwarded("小区楼下车位被占，乱停车没人管")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        routed = await routing_of(client, case.case_id, state="referred")
        assert {t["code"] for t in routed["referral"]} == {"property_mgmt", "urban_mgmt"}
        event = (await stream.wait_for(type="workorder.referral_advised", case_id=case.case_id))[0]
        assert "物业" in event.data["explanation"]
        assert (await client.get(f"/cases/{case.case_id}/work-orders")).json()["items"] == []


async def test_a_case_of_an_unknown_district_is_dead_lettered_with_the_reason(broker, routing, read_topic) -> None:
    dead = read_topic(dead_letter_topic("routing"))
    case = forwarded("营业执照办不下来", district="atlantis")
    await publish(broker, case)
    record = (await dead.wait_for(case_id=case.case_id, timeout_s=30))[0]
    raw = next(r for r in dead.records if dict(r.headers).get("ce_id") == str(case.id).encode())
    assert b"atlantis" in dict(raw.headers)["dlq_reason"]
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        assert (await client.get(f"/cases/{record.case_id}/routing")).status_code == 404
