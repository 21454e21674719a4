"""A case withdrawn (撤回) or merged (并单) stops its work: each open work order is cancelled (撤销) and its
department hears of it on its own topic; replied orders stay replied; the case leaves the staff queues."""

import httpx

from shared.envelope import Envelope
from shared.events.case import CaseMerged, CaseWithdrawn
from shared.topics import WORKORDER_EVENTS, department_topic
from tests.integration.routing.conftest import dept, eventually, forwarded, publish, routing_of, staff, work_orders


def ended(case: Envelope, event: CaseWithdrawn | CaseMerged) -> Envelope:
    return Envelope.wrap(event, source="intake", case_id=case.case_id, district="demo", hall="DEMO",
                         actor="staff:window")


def withdrawn(case: Envelope) -> Envelope:
    return ended(case, CaseWithdrawn(case_number=case.data["case_number"], reason="申请人已自行办结，撤回诉求"))


async def states(client: httpx.AsyncClient, case_id: str, expected: dict[str, str]) -> dict[str, str]:
    async def probe() -> dict[str, str] | None:
        found = {
            o["department"]: o["state"] for o in (await client.get(f"/cases/{case_id}/work-orders")).json()["items"]
        }
        return found if found == expected else None

    return await eventually(probe)


async def test_a_withdrawn_case_cancels_its_open_work_orders_and_tells_their_departments(
        broker, routing, read_topic) -> None:
    stream, civil_affairs = read_topic(WORKORDER_EVENTS), read_topic(department_topic("civil_affairs"))
    case = forwarded("租房补贴不符合条件但家里有人重病", matter_code="rent_subsidy", problem_kind="multi_department")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        orders = {o["department"]: o for o in await work_orders(client, case.case_id, count=2)}
        lead, helper = orders["housing"], orders["civil_affairs"]
        await client.post(f"/work-orders/{lead['id']}/sign-for", headers=dept("housing"), json={})
        await client.post(f"/work-orders/{lead['id']}/reply", headers=dept("housing"), json={"reply": "不符合条件"})
        await client.post(f"/work-orders/{helper['id']}/sign-for", headers=dept("civil_affairs"), json={})

        await publish(broker, withdrawn(case))

        await states(client, case.case_id, {"housing": "replied", "civil_affairs": "cancelled"})
        cancelled = (await stream.wait_for(type="workorder.cancelled", case_id=case.case_id))[0]
        assert cancelled.data == {"work_order_id": helper["id"], "case_number": case.data["case_number"],
                                  "department": "civil_affairs", "cause": "withdrawn",
                                  "reason": "申请人已自行办结，撤回诉求", "into_case_number": None}
        assert (await civil_affairs.wait_for(type="workorder.cancelled", case_id=case.case_id))[0].id == cancelled.id
        assert (await routing_of(client, case.case_id))["state"] == "withdrawn"
        late = await client.post(
            f"/work-orders/{helper['id']}/reply", headers=dept("civil_affairs"), json={"reply": "可申请临时救助"}
        )
        assert late.status_code == 409 and "已撤销" in late.json()["zh"]
        assert len(stream.envelopes(type="workorder.cancelled", case_id=case.case_id)) == 1


async def test_a_merged_case_waiting_in_manual_triage_leaves_the_queue(broker, routing) -> None:
    case = forwarded("一件说不清归谁管的事", matter_code="no_such_matter")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        await routing_of(client, case.case_id, state="manual_triage")
        await publish(broker, ended(case, CaseMerged(case_number=case.data["case_number"], into_case_id="other",
                                                     into_case_number="DEMO-OTHER", reason="同一诉求重复反映")))

        await routing_of(client, case.case_id, state="merged")
        assert case.case_id not in {c["case_id"] for c in (await client.get("/triage")).json()["items"]}
        assign = await client.post(f"/triage/{case.case_id}/assign", json={"lead": "market"})
        assert assign.status_code == 409


async def test_a_case_forwarded_and_withdrawn_in_one_go_ends_with_its_orders_cancelled(
        broker, routing, read_topic) -> None:
    """Both records usually arrive in one batch, where the case's rows are not yet in the database."""
    stream = read_topic(WORKORDER_EVENTS)
    case = forwarded("身份证丢了要补办", matter_code="id_card")
    await publish(broker, case, withdrawn(case))
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        await states(client, case.case_id, {"public_security": "cancelled"})
        assert (await routing_of(client, case.case_id))["state"] == "withdrawn"
    dispatched, cancelled = await stream.wait_for(2, case_id=case.case_id)
    assert (dispatched.type, cancelled.type) == ("workorder.dispatched", "workorder.cancelled")
    assert cancelled.data["work_order_id"] == dispatched.data["work_order_id"]
