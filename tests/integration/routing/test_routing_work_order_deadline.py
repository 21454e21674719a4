"""A work order shows its own deadline as sla arms it over the real broker, kept current: re-armed at sign-for,
none while the case is paused, armed again at resumption."""

import uuid
from datetime import datetime
from pathlib import Path

import httpx

from shared.dev.broker import DevBroker
from shared.dev.stack import Stack
from shared.envelope import Envelope
from shared.events.case import CasePaused, CaseResumed
from shared.topics import SLA_EVENTS
from tests.conftest import database_url
from tests.integration.routing.conftest import dept, eventually, forwarded, publish, staff, work_orders


def step(event, case: Envelope) -> Envelope:
    return Envelope.wrap(event, source="intake", case_id=case.case_id, district="demo", hall="DEMO",
                         actor="staff:window")


async def test_a_work_order_shows_the_deadline_sla_armed_for_it_through_sign_for_and_pauses(
    broker: DevBroker, tmp_path: Path, read_topic
) -> None:
    stack = Stack(var_dir=tmp_path, database_urls={name: database_url("sqlite", name, tmp_path)
                                                   for name in ("sla", "routing")})
    stack.broker = broker  # the session's broker: started already, so Stack does not start another
    stack.start_service("sla")
    stack.start_service("routing")
    try:
        sla_stream = read_topic(SLA_EVENTS)
        case = forwarded("身份证丢了要补办", matter_code="id_card", case_id=str(uuid.uuid4()))
        await publish(broker, case)
        async with httpx.AsyncClient(base_url=stack.url("routing"), headers=staff()) as client:
            [order] = await work_orders(client, case.case_id)

            async def due_at_is(armed: list[Envelope]) -> None:
                """The order shows the deadline of sla's latest arming."""
                due = datetime.fromisoformat(armed[-1].data["due_at"])

                async def probe() -> bool:
                    shown = (await client.get(f"/work-orders/{order['id']}")).json()["due_at"]
                    return shown is not None and datetime.fromisoformat(shown) == due

                await eventually(probe)

            armed = await sla_stream.wait_for(type="sla.deadline_armed", subject_id=order["id"])
            await due_at_is(armed)

            signed = await client.post(f"/work-orders/{order['id']}/sign-for", headers=dept(order["department"]))
            assert signed.status_code == 200, signed.text
            rearmed = await sla_stream.wait_for(2, type="sla.deadline_armed", subject_id=order["id"])
            assert rearmed[-1].data["change"] == "signed_for"
            await due_at_is(rearmed)

            await publish(broker, step(CasePaused(case_number=case.data["case_number"], reason="公示期"), case))
            await sla_stream.wait_for(type="sla.paused", subject_id=order["id"])

            async def paused() -> bool:
                return (await client.get(f"/work-orders/{order['id']}")).json()["due_at"] is None

            await eventually(paused)

            await publish(broker, step(CaseResumed(case_number=case.data["case_number"], reason="公示期满"), case))
            resumed = await sla_stream.wait_for(3, type="sla.deadline_armed", subject_id=order["id"])
            assert resumed[-1].data["change"] == "resumed"
            await due_at_is(resumed)
    finally:
        stack.stop_service("routing")
        stack.stop_service("sla")
