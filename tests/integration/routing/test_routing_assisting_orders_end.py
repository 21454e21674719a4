"""When the lead returns a case (退单) and routing sends it elsewhere, the old lead's assisting orders (协办) end:
cancelled (撤销, cause lead_returned) and told on the assisting department's own topic, so nobody works on a
case that left them."""

import httpx

from shared.topics import department_topic
from tests.integration.routing.conftest import dept, forwarded, publish, routing_of, staff, work_orders


async def test_a_returned_leads_assisting_orders_end_when_the_case_goes_elsewhere(broker, routing, read_topic) -> None:
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        case = forwarded("租房补贴不符合条件但家里有人重病", matter_code="rent_subsidy",
                         problem_kind="multi_department")
        civil_affairs = read_topic(department_topic("civil_affairs"))
        await publish(broker, case)
        orders = {o["department"]: o for o in await work_orders(client, case.case_id, count=2)}
        lead, helper = orders["housing"], orders["civil_affairs"]
        assert helper["role"] == "assisting"

        returned = await client.post(f"/work-orders/{lead['id']}/return", headers=dept("housing"),
                                     json={"reason": "wrong_locality", "note": "户籍不在本区"})
        assert returned.status_code == 200, returned.text
        await routing_of(client, case.case_id, state="manual_triage")
        assert (await client.get(f"/work-orders/{helper['id']}")).json()["state"] == "dispatched"  # not routed yet
        assigned = await client.post(f"/triage/{case.case_id}/assign", json={"lead": "market"})
        assert assigned.status_code == 202, assigned.text
        routed = await routing_of(client, case.case_id, state="routed")
        assert routed["route"] == ["housing", "market"]

        [told] = await civil_affairs.wait_for(case_id=case.case_id, type="workorder.cancelled")
        assert told.data["cause"] == "lead_returned" and told.data["work_order_id"] == helper["id"]
        ended = (await client.get(f"/work-orders/{helper['id']}")).json()
        assert ended["state"] == "cancelled"
        live = [o for o in (await client.get(f"/cases/{case.case_id}/work-orders")).json()["items"]
                if o["state"] not in ("returned", "cancelled")]
        assert [o["role"] for o in live] == ["lead"] and live[0]["department"] == routed["route"][-1]
