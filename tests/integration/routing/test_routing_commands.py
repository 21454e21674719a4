"""Departments' own systems answer on bancheng.dept.commands with their access token in the record's
`authorization` header; a command without a valid token, from another department, or in another
department's name is dead-lettered with the reason and changes nothing."""

from datetime import UTC, datetime, timedelta

import httpx

from shared.envelope import Envelope
from shared.events.commands import ComposeCaseReply, ReplyToWorkOrder, RequestExtension, SignForWorkOrder
from shared.topics import DEPARTMENT_COMMANDS, WORKORDER_EVENTS, dead_letter_topic
from tests.integration.routing.conftest import (
    command,
    dept_system_token,
    eventually,
    forwarded,
    publish,
    staff,
    work_orders,
)


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
    token = dept_system_token("medical_insurance")
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        order = (await work_orders(client, case.case_id))[0]
        await publish(broker, command(SignForWorkOrder(work_order_id=order["id"], department="medical_insurance"),
                                      case_id=case.case_id, actor="ignored"), topic=DEPARTMENT_COMMANDS, token=token)
        await state_of(client, order["id"], "signed_for")
        await publish(broker, command(RequestExtension(
            work_order_id=order["id"], department="medical_insurance",
            requested_due_at=datetime.now(UTC) + timedelta(days=10), legal_basis="异地协查", reason="等待外地医院回函"),
            case_id=case.case_id, actor="ignored"), topic=DEPARTMENT_COMMANDS, token=token)
        await state_of(client, order["id"], "extension_requested")
        decided = await client.post(f"/work-orders/{order['id']}/extension/decision", json={"approve": True})
        assert decided.status_code == 200, decided.text
        await publish(
            broker,
            command(
                ReplyToWorkOrder(work_order_id=order["id"], department="medical_insurance", reply="已报销"),
                case_id=case.case_id,
                actor="ignored",
            ),
            command(
                ComposeCaseReply(department="medical_insurance", reply="医疗费已报销到账"),
                case_id=case.case_id,
                actor="ignored",
            ),
            topic=DEPARTMENT_COMMANDS,
            token=token,
        )
        composed = (await stream.wait_for(type="workorder.case_reply_composed", case_id=case.case_id))[0]
        assert composed.data["reply"] == "医疗费已报销到账"
        assert composed.actor == "system:medical_insurance-system"  # from the token, not the envelope's claim
        assert '"department":"medical_insurance"' in composed.actor_detail


async def test_a_command_without_the_departments_own_token_is_dead_lettered_and_changes_nothing(
        broker, routing, read_topic, issuer) -> None:
    dead = read_topic(dead_letter_topic("routing-commands"))
    case = forwarded("契税怎么交", matter_code="property_deed_tax")
    await publish(broker, case)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        order = next(o for o in await work_orders(client, case.case_id) if o["role"] == "lead")
        assert order["department"] == "tax"

        def sign(department: str) -> Envelope:
            return command(SignForWorkOrder(work_order_id=order["id"], department=department),
                           case_id=case.case_id, actor=f"department:{department}")

        foreign, impostor, unsigned, forged = sign("market"), sign("tax"), sign("tax"), sign("tax")
        await publish(broker, foreign, topic=DEPARTMENT_COMMANDS, token=dept_system_token("market"))
        await publish(broker, impostor, topic=DEPARTMENT_COMMANDS, token=dept_system_token("market"))
        await publish(broker, unsigned, topic=DEPARTMENT_COMMANDS)
        header, body, _signature = dept_system_token("tax").split(".")
        await publish(broker, forged, topic=DEPARTMENT_COMMANDS, token=f"{header}.{body}.AAAA")
        await dead.wait_for(4, case_id=case.case_id, timeout_s=30)
        reasons = {dict(r.headers)["ce_id"].decode(): dict(r.headers)["dlq_reason"].decode() for r in dead.records}
        assert "may not workorder.handle for department tax" in reasons[str(foreign.id)]
        assert "may not workorder.handle for department tax" in reasons[str(impostor.id)]
        assert "no authorization header" in reasons[str(unsigned.id)]
        assert "invalid token" in reasons[str(forged.id)]
        assert (await client.get(f"/work-orders/{order['id']}")).json()["state"] == "dispatched"
