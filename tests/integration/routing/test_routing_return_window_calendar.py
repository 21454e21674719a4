"""One working-day calendar: a holiday an operator sets at sla (its overrides file, then POST /calendar/reload)
reaches routing over the real broker, and opens a return window (退单时限) routing had closed, by the same days
it moves sla's deadline."""

import uuid
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import update

from shared import db
from shared.dev.broker import DevBroker
from shared.dev.stack import Stack
from shared.envelope import Envelope
from shared.events.workorder import WorkOrderDispatched
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from shared.working_days import SHIPPED_OVERRIDES, Calendars, load_overrides
from services.routing.store.tables import WorkOrder
from tests.conftest import database_url
from tests.integration.routing.conftest import dept, eventually, forwarded, publish, staff, work_orders
from tests.issuer import session_issuer

SH = ZoneInfo("Asia/Shanghai")
SIMPLE = 3  # the demo district's working days for a simple work order


def holidays_yaml(days: list) -> str:
    entries = "\n".join(f'  - {{date: {day.isoformat()}, kind: holiday, note: "test closure", districts: [demo]}}'
                        for day in days)
    return f"days:\n{entries}\n"


async def backdate(url: str, work_order_id: str, *, to: datetime) -> None:
    """As if routing had dispatched the order at `to` (routing dispatches on its own clock, which tests do not move)."""
    engine = db.create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(update(WorkOrder).where(WorkOrder.id == work_order_id).values(created_at=to))
    finally:
        await engine.dispose()


async def test_a_holiday_set_at_sla_opens_routings_return_window_as_it_moves_slas_deadline(
    broker: DevBroker, tmp_path: Path, read_topic
) -> None:
    today = datetime.now(SH).date()
    dispatched_on = today - timedelta(days=14)
    dispatched_at = datetime.combine(dispatched_on, time(10, 0), tzinfo=SH)
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(SHIPPED_OVERRIDES.read_text(encoding="utf-8"), encoding="utf-8")
    routing_db = database_url("sqlite", "routing", tmp_path)
    stack = Stack(var_dir=tmp_path,
                  database_urls={"sla": database_url("sqlite", "sla", tmp_path), "routing": routing_db},
                  extra_env={"BANCHENG_SLA_ENVIRONMENT": "test",
                             "BANCHENG_SLA_CALENDAR_OVERRIDES_PATH": str(overrides)})
    stack.broker = broker  # the session's broker: started already, so Stack does not start another
    stack.start_service("sla")
    stack.start_service("routing")
    try:
        sla_stream = read_topic(SLA_EVENTS)
        # sla: a work order dispatched two weeks ago.
        work_order_id = f"wo-{uuid.uuid4()}"
        await publish(broker, Envelope.wrap(
            WorkOrderDispatched(work_order_id=work_order_id, case_number="DEMO-CAL-1", department="market",
                                role="lead", tier="simple", reason="rule"),
            source="routing", case_id=f"case-{uuid.uuid4()}", district="demo", actor="service:routing", hall="DEMO",
            occurred_at=dispatched_at), topic=WORKORDER_EVENTS)
        [armed] = await sla_stream.wait_for(type="sla.deadline_armed", subject_id=work_order_id)
        statutory = Calendars().calendar("demo").add_working_days(dispatched_on, SIMPLE).day
        assert datetime.fromisoformat(armed.data["due_at"]).astimezone(SH).date() == statutory

        # routing: a work order of the same day, whose return window (2 working days) has closed.
        case = forwarded("身份证丢了要补办", matter_code="id_card")
        await publish(broker, case)
        async with httpx.AsyncClient(base_url=stack.url("routing"), headers=staff()) as client:
            [order] = await work_orders(client, case.case_id)
            await backdate(routing_db, order["id"], to=dispatched_at)
            url, handler = f"/work-orders/{order['id']}/return", dept(order["department"])
            closed = await client.post(url, headers=handler, json={"reason": "wrong_locality"})
            assert closed.status_code == 422 and "个工作日内退单" in closed.text, closed.text

            # The operator closes every day since the dispatch (a local emergency, say) and reloads.
            closure = [dispatched_on + timedelta(days=n) for n in range(1, 15)]
            overrides.write_text(holidays_yaml(closure), encoding="utf-8")
            operator = session_issuer().headers("system_admin")
            reloaded = httpx.post(f"{stack.url('sla')}/calendar/reload", headers=operator)
            assert reloaded.status_code == 200, reloaded.text

            moved = await sla_stream.wait_for(type="sla.deadline_armed", subject_id=work_order_id,
                                              change="calendar_changed")
            with_closure = Calendars(load_overrides(overrides)).calendar("demo")
            assert with_closure.working_days_between(dispatched_on, today).days == 0
            expected = with_closure.add_working_days(dispatched_on, SIMPLE).day
            assert expected > today >= statutory
            assert datetime.fromisoformat(moved[-1].data["due_at"]).astimezone(SH).date() == expected

            async def returned() -> bool:
                response = await client.post(url, headers=handler, json={"reason": "wrong_locality"})
                assert response.status_code in (200, 422), response.text
                return response.status_code == 200

            await eventually(returned)
            assert (await client.get(f"/work-orders/{order['id']}")).json()["state"] == "returned"
    finally:
        stack.stop_service("routing")
        stack.stop_service("sla")
