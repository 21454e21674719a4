"""Departments work their inbox over HTTP: sign for, reply, return, extension, escalation, case reply."""

from datetime import UTC, datetime, timedelta

import httpx

from shared.topics import WORKORDER_EVENTS, department_topic
from tests.integration.routing.conftest import dept, forwarded, publish, routing_of, staff, work_orders


async def dispatched(broker, client: httpx.AsyncClient, description: str, count: int = 1, **kwargs) -> tuple:
    case = forwarded(description, **kwargs)
    await publish(broker, case)
    orders = await work_orders(client, case.case_id, count=count)
    return case, {o["department"]: o for o in orders}


async def test_a_multi_department_case_is_replied_only_when_every_work_order_is(broker, routing, read_topic) -> None:
    stream = read_topic(WORKORDER_EVENTS)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        case, orders = await dispatched(broker, client, "租房补贴不符合条件但家里有人重病", count=2,
                                        matter_code="rent_subsidy", problem_kind="multi_department")
        lead, helper = orders["housing"], orders["civil_affairs"]
        inbox = (await client.get("/departments/civil_affairs/work-orders")).json()["items"]
        assert helper["id"] in {o["id"] for o in inbox}

        for order in (lead, helper):
            signed = await client.post(
                f"/work-orders/{order['id']}/sign-for", headers=dept(order["department"]), json={}
            )
            assert signed.status_code == 200 and signed.json()["signed_at"]
        await client.post(
            f"/work-orders/{lead['id']}/reply", headers=dept("housing"), json={"reply": "不符合租赁补贴条件"}
        )
        early = await client.post(f"/cases/{case.case_id}/reply", headers=dept("housing"), json={"reply": "综合答复"})
        assert early.status_code == 409 and "civil_affairs" in early.json()["en"]

        await client.post(
            f"/work-orders/{helper['id']}/reply", headers=dept("civil_affairs"), json={"reply": "可申请临时救助"}
        )
        not_lead = await client.post(f"/cases/{case.case_id}/reply", headers=dept("civil_affairs"), json={"reply": "x"})
        assert not_lead.status_code == 403
        composed = await client.post(f"/cases/{case.case_id}/reply",
                                     headers=dept("housing"), json={"reply": "不符合租房补贴，已转临时救助"})
        assert composed.status_code == 200, composed.text
        event = (await stream.wait_for(type="workorder.case_reply_composed", case_id=case.case_id))[0]
        assert event.data["lead_department"] == "housing"
        assert {c["department"] for c in event.data["contributions"]} == {"housing", "civil_affairs"}

        # The replied case now informs suggestions for a similar one, shown to staff and never applied.
        similar = forwarded("租房补贴条件不符合，家里老人重病怎么办")
        await publish(broker, similar)
        routed = await routing_of(client, similar.case_id)
        assert routed["suggestions"]["applied"] is False
        assert case.case_id in {c["case_id"] for c in routed["suggestions"]["similar_cases"]}
        assert routed["suggestions"]["suggested_lead"]["department"] == "housing"


async def test_a_reply_before_sign_for_is_refused_and_changes_nothing(broker, routing) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        _, orders = await dispatched(broker, client, "身份证丢了要补办", matter_code="id_card")
        order = orders["public_security"]
        refused = await client.post(
            f"/work-orders/{order['id']}/reply", headers=dept("public_security"), json={"reply": "已办"}
        )
        assert refused.status_code == 409
        assert "尚未签收" in refused.json()["zh"]
        assert (await client.get(f"/work-orders/{order['id']}")).json()["state"] == "dispatched"


async def test_a_return_without_a_reason_is_refused_and_changes_nothing(broker, routing) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        _, orders = await dispatched(broker, client, "公积金提取被拒", matter_code="housing_fund_withdrawal")
        order = orders["housing_fund"]
        refused = await client.post(f"/work-orders/{order['id']}/return", headers=dept("housing_fund"), json={})
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert error["field"] == "reason" and "退单理由" in error["zh"]
        assert (await client.get(f"/work-orders/{order['id']}")).json()["state"] == "dispatched"
        wrong = await client.post(f"/work-orders/{order['id']}/return",
                                  headers=dept("tax"), json={"reason": "unclear_ownership"})
        assert wrong.status_code == 403
        assert (await client.get(f"/work-orders/{order['id']}")).json()["state"] == "dispatched"


async def test_a_returned_work_order_reaches_another_department(broker, routing, read_topic) -> None:
    market = read_topic(department_topic("market"))
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        case, orders = await dispatched(broker, client, "在家里开公司办营业执照，需要住改商证明",
                                        matter_code="residence_to_business_certificate")
        first = orders["street_office"]
        returned = await client.post(f"/work-orders/{first['id']}/return",
                                     headers=dept("street_office"), json={"reason": "unclear_ownership"})
        assert returned.status_code == 200, returned.text
        assert returned.json()["state"] == "returned"
        rerouted = await market.wait_for(case_id=case.case_id, type="workorder.dispatched")
        assert rerouted[0].data["role"] == "lead"
        routed = await routing_of(client, case.case_id)
        assert routed["route"] == ["street_office", "market"] and routed["returns"] == ["unclear_ownership"]


async def test_bouncing_back_to_a_department_that_returned_it_goes_to_a_supervisor(broker, routing, read_topic) -> None:
    stream = read_topic(WORKORDER_EVENTS)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        case, orders = await dispatched(broker, client, "身份证丢了要补办", matter_code="id_card")
        await client.post(f"/work-orders/{orders['public_security']['id']}/return",
                          headers=dept("public_security"), json={"reason": "wrong_locality", "note": "户籍不在本区"})
        await routing_of(client, case.case_id, state="manual_triage")
        assert (await client.post(f"/triage/{case.case_id}/assign",
                                  json={"lead": "street_office"})).status_code == 202
        second = [o for o in (await client.get(f"/cases/{case.case_id}/work-orders")).json()["items"]
                  if o["department"] == "street_office"][0]
        await client.post(f"/work-orders/{second['id']}/return",
                          headers=dept("street_office"), json={"reason": "wrong_locality"})
        await routing_of(client, case.case_id, state="manual_triage")
        bounced = await client.post(f"/triage/{case.case_id}/assign", json={"lead": "public_security"})
        assert bounced.status_code == 202 and bounced.json()["state"] == "supervisor"
        event = (await stream.wait_for(type="workorder.pingpong_detected", case_id=case.case_id))[0]
        assert event.data["departments"] == ["public_security", "street_office", "public_security"]
        assert case.case_id in {c["case_id"] for c in (await client.get("/supervisor/queue")).json()["items"]}
        decided = await client.post(f"/supervisor/cases/{case.case_id}/assign",
                                    json={"lead": "public_security"})
        assert decided.status_code == 202 and decided.json()["state"] == "routed"


async def test_an_extension_needs_a_supervisors_approval_and_is_visible_on_the_work_order(
    broker, routing, read_topic
) -> None:
    stream = read_topic(WORKORDER_EVENTS)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        case, orders = await dispatched(
            broker, client, "住改商需要经联社公示", matter_code="residence_to_business_certificate"
        )
        order = orders["street_office"]
        await client.post(f"/work-orders/{order['id']}/sign-for", headers=dept("street_office"), json={})
        new_due = (datetime.now(UTC) + timedelta(days=20)).isoformat()
        asked = await client.post(f"/work-orders/{order['id']}/extension", headers=dept("street_office"), json={
            "requested_due_at": new_due, "legal_basis": "经联社公示期15日",
            "reason": "等待公示期满"})
        assert asked.status_code == 200, asked.text
        pending = (await client.get(f"/work-orders/{order['id']}")).json()
        assert pending["state"] == "extension_requested" and pending["due_at"] is None
        assert pending["extensions"][0]["approved"] is None
        early_reply = await client.post(
            f"/work-orders/{order['id']}/reply", headers=dept("street_office"), json={"reply": "x"}
        )
        assert early_reply.status_code == 409
        waiting = (await client.get("/extensions")).json()["items"]
        assert order["id"] in {o["id"] for o in waiting}  # the supervisor's list of requests to decide
        assert {o["state"] for o in waiting} == {"extension_requested"}
        assert (await client.get("/extensions", headers=dept("street_office"))).status_code == 403

        rejected_without_reason = await client.post(f"/work-orders/{order['id']}/extension/decision",
                                                    json={"approve": False})
        assert rejected_without_reason.status_code == 422
        approved = await client.post(f"/work-orders/{order['id']}/extension/decision",
                                     json={"approve": True})
        assert approved.status_code == 200
        shown = (await client.get(f"/work-orders/{order['id']}")).json()
        assert shown["state"] == "signed_for" and shown["extensions"][0]["approved"] is True
        assert datetime.fromisoformat(shown["due_at"]) == datetime.fromisoformat(new_due)
        assert order["id"] not in {o["id"] for o in (await client.get("/extensions")).json()["items"]}
        decided = (await stream.wait_for(type="workorder.extension_decided", case_id=case.case_id))[0]
        assert decided.data["approved"] is True and decided.data["supervisor"].startswith("person:")


async def test_an_escalation_reaches_the_coordinator_who_records_a_meeting_and_replies(
    broker, routing, read_topic
) -> None:
    coordinator_feed = read_topic(department_topic("gov_data"))
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        case, orders = await dispatched(broker, client, "前租户没注销，新饭店办不了食品经营许可",
                                        matter_code="food_business_licence")
        order = orders["market"]
        escalated = await client.post(f"/work-orders/{order['id']}/escalate",
                                      headers=dept("market", "dept_head"),
                                      json={"level": "district", "reason": "需经联社与前租户配合"})
        assert escalated.status_code == 200, escalated.text
        event = (await coordinator_feed.wait_for(type="workorder.escalated", case_id=case.case_id))[0]
        assert event.data["coordinator"] == "gov_data" and event.data["level"] == "district"
        assert order["id"] in {o["id"] for o in (await client.get("/departments/gov_data/work-orders")).json()["items"]}

        not_coordinator = await client.post(f"/work-orders/{order['id']}/meetings", json={
            "convened_by": "market", "participants": ["market"], "decision": "x"})
        assert not_coordinator.status_code == 403
        met = await client.post(f"/work-orders/{order['id']}/meetings", json={
            "convened_by": "gov_data", "participants": ["market", "village_collective", "前租户"],
            "decision": "前租户三日内办理注销，市场监管局同步受理许可"})
        assert met.status_code == 200
        assert met.json()["meetings"][0]["participants"] == ["market", "village_collective", "前租户"]
        down = await client.post(f"/work-orders/{order['id']}/escalate",
                                 headers=dept("gov_data", "dept_head"), json={"level": "district", "reason": "again"})
        assert down.status_code == 409
        replied = await client.post(
            f"/work-orders/{order['id']}/reply", headers=dept("gov_data"), json={"reply": "已协调办结"}
        )
        assert replied.status_code == 200 and replied.json()["replied_by"] == "gov_data"


async def test_an_unknown_department_has_no_inbox(routing) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        response = await client.get("/departments/nowhere/work-orders")
    assert response.status_code == 404 and "nowhere" in response.json()["zh"]
