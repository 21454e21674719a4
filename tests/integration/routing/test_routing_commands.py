"""Departments' own systems answer on bancheng.dept.commands; a command for another department's order is
dead-lettered with the reason and changes nothing."""

from datetime import UTC, datetime, timedelta

import httpx

from shared.events.commands import ComposeCaseReply, ReplyToWorkOrder, RequestExtension, SignForWorkOrder
from shared.topics import DEPARTMENT_COMMANDS, WORKORDER_EVENTS, dead_letter_topic
from tests.integration.routing.conftest import command, eventually, forwarded, publish, work_orders


async def state_of(client: httpx.AsyncClient, order_id: str, state: str) -> dict:
    async def probe() -> dict | None:
        order = (await client.get(f"/work-orders/{order_id}")).json()
        return order if order["state"] == state else None

    return await eventually(probe)


async def test_a_departments_system_signs_for_replies_and_composes_the_case_reply_by_command(
        broker, routing, read_topic) -> None:
    stream = read_topic(WORKORDER_EVENTS)
    case = forwarded("医保报销材料不全", matter_code="medical_reimbursement")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing) as client:
        order = (await work_orders(client, case.case_id))[0]
        actor = "department:medical_insurance"
        await publish(broker, command(SignForWorkOrder(work_order_id=order["id"], department="medical_insurance"),
                                      case_id=case.case_id, actor=actor), topic=DEPARTMENT_COMMANDS)
        await state_of(client, order["id"], "signed_for")
        await publish(broker, command(RequestExtension(
            work_order_id=order["id"], department="medical_insurance",
            requested_due_at=datetime.now(UTC) + timedelta(days=10), legal_basis="异地协查", reason="等待外地医院回函"),
            case_id=case.case_id, actor=actor), topic=DEPARTMENT_COMMANDS)
        await state_of(client, order["id"], "extension_requested")
        await client.post(f"/work-orders/{order['id']}/extension/decision", json={"supervisor": "wang", "approve": True})
        await publish(broker,
                      command(ReplyToWorkOrder(work_order_id=order["id"], department="medical_insurance", reply="已报销"),
                              case_id=case.case_id, actor=actor),
                      command(ComposeCaseReply(department="medical_insurance", reply="医疗费已报销到账"),
                              case_id=case.case_id, actor=actor), topic=DEPARTMENT_COMMANDS)
        composed = (await stream.wait_for(type="workorder.case_reply_composed", case_id=case.case_id))[0]
        assert composed.data["reply"] == "医疗费已报销到账" and composed.actor == actor


async def test_a_command_about_another_departments_work_order_is_dead_lettered_and_changes_nothing(
        broker, routing, read_topic) -> None:
    dead = read_topic(dead_letter_topic("routing-commands"))
    case = forwarded("契税怎么交", matter_code="property_deed_tax")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing) as client:
        order = next(o for o in await work_orders(client, case.case_id) if o["role"] == "lead")
        foreign = command(SignForWorkOrder(work_order_id=order["id"], department="market"), case_id=case.case_id,
                          actor="department:market")
        impostor = command(SignForWorkOrder(work_order_id=order["id"], department="tax"), case_id=case.case_id,
                           actor="department:market")
        await publish(broker, foreign, impostor, topic=DEPARTMENT_COMMANDS)
        await dead.wait_for(2, case_id=case.case_id, timeout_s=30)
        reasons = {dict(r.headers)["ce_id"].decode(): dict(r.headers)["dlq_reason"].decode() for r in dead.records}
        assert "WrongDepartment" in reasons[str(foreign.id)]
        assert "addressed to tax, not market" in reasons[str(foreign.id)]
        assert "in the name of tax" in reasons[str(impostor.id)]
        assert (await client.get(f"/work-orders/{order['id']}")).json()["state"] == "dispatched"
