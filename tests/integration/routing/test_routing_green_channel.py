"""The green channel (绿色通道) over the real broker: a green case's work order carries the flag, takes the
channel's own tier and priority from the district's pack (demo: simple, 1), and comes first in the department's
inbox, ahead of older ordinary orders."""

import uuid

import httpx

from shared.dev.broker import DevBroker
from shared.envelope import Envelope
from shared.events.case import CaseForwarded
from tests.integration.routing.conftest import dept, publish, staff, work_orders

LEASE = "租赁备案需街道证明"  # lease filing across departments: housing leads, street office assists, tier complex


def forwarded(*, green: bool) -> Envelope:
    case_id = str(uuid.uuid4())
    event = CaseForwarded(case_number=f"DEMO-{case_id[:8]}", hall="DEMO", problem_kind="multi_department",
                          matter_code="lease_filing", description=LEASE, tier="general", green_channel=green)
    return Envelope.wrap(event, source="intake", case_id=case_id, district="demo", hall="DEMO", actor="staff:window")


async def test_a_green_case_order_is_flagged_takes_the_packs_tier_and_leads_the_inbox(
    broker: DevBroker, routing: str
) -> None:
    ordinary, green = forwarded(green=False), forwarded(green=True)
    async with httpx.AsyncClient(base_url=routing, headers=staff()) as client:
        await publish(broker, ordinary)
        plain_order = next(o for o in await work_orders(client, ordinary.case_id, 2) if o["role"] == "lead")
        await publish(broker, green)
        green_order = next(o for o in await work_orders(client, green.case_id, 2) if o["role"] == "lead")
        inbox = (await client.get(f"/departments/{green_order['department']}/work-orders",
                                  headers=dept(green_order["department"]))).json()["items"]

    assert (green_order["green_channel"], green_order["tier"], green_order["priority"]) == (True, "simple", 1)
    assert (plain_order["green_channel"], plain_order["tier"], plain_order["priority"]) == (False, "complex", 0)
    assert plain_order["created_at"] < green_order["created_at"]
    ids = [order["id"] for order in inbox]
    assert ids.index(green_order["id"]) < ids.index(plain_order["id"]), "the green order is not first"
    assert all(order["priority"] == 0 for order in inbox[ids.index(green_order["id"]) + 1:])
