"""The queues staff work from (`GET /queues/{name}`): a state or a condition, within a hall or district,
earliest reply deadline first (as sla armed it), a page at a time; a stuck case shows its reason."""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from shared.events.sla import DeadlineArmed
from shared.events.workorder import WorkOrderDispatched
from shared.topics import SLA_EVENTS, WORKORDER_EVENTS
from tests.integration.intake.conftest import Intake, walk_in

STUCK_AFTER_S = 1.0
INTAKE_SETTINGS = {"stuck_after_s": STUCK_AFTER_S, "gauge_interval_s": 0.2}


async def queue(intake: Intake, name: str, query: str = "limit=1000", **headers: str) -> dict:
    response = await intake.client.get(f"/queues/{name}?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def among(page: dict, cases: list[dict]) -> list[str]:
    """The ids of `cases` in the queue, in its order."""
    wanted = {case["id"] for case in cases}
    return [item["id"] for item in page["items"] if item["id"] in wanted]


async def arm(intake: Intake, case: dict, due_at: datetime | None) -> None:
    await intake.publish(DeadlineArmed(subject="case", subject_id=case["id"], tier="general", due_at=due_at),
                         topic=SLA_EVENTS, case_id=case["id"], source="sla", actor="service:sla")


async def until(check, timeout_s: float = 20):
    deadline = time.monotonic() + timeout_s
    while not (result := await check()):
        assert time.monotonic() < deadline, "never came true"
        await asyncio.sleep(0.1)
    return result


async def test_cases_awaiting_acceptance_come_earliest_deadline_first_and_overdue_ones_are_their_own_queue(
    intake: Intake
) -> None:
    now = datetime.now(UTC)
    later, sooner, unarmed, overdue = [await intake.register(walk_in()) for _ in range(4)]
    await arm(intake, later, now + timedelta(days=3))
    await arm(intake, sooner, now + timedelta(days=1))
    await arm(intake, overdue, now - timedelta(hours=2))
    armed = {later["id"], sooner["id"], overdue["id"]}

    async def all_armed() -> dict | None:
        page = await queue(intake, "awaiting_acceptance")
        return page if {i["id"] for i in page["items"] if i["reply_due_at"]} >= armed else None

    waiting = await until(all_armed)
    late = await queue(intake, "overdue")

    assert among(waiting, [later, sooner, unarmed, overdue]) == [overdue["id"], sooner["id"], later["id"],
                                                                 unarmed["id"]]
    assert among(late, [later, sooner, unarmed, overdue]) == [overdue["id"]]
    row = next(item for item in late["items"] if item["id"] == overdue["id"])
    assert row["case_number"] == overdue["case_number"] and row["applicant"]["name"] == "王*"
    assert datetime.fromisoformat(row["reply_due_at"]) < now
    read = await intake.case(overdue["id"])
    assert read["reply_due_at"] == row["reply_due_at"]


async def test_a_queue_is_paged_and_kept_to_the_callers_hall_or_district(intake: Intake) -> None:
    for _ in range(3):
        await intake.register(walk_in())

    first = await queue(intake, "awaiting_acceptance", "limit=2")
    second = await queue(intake, "awaiting_acceptance", f"offset={first['next_offset']}&limit=2")
    other_hall = await queue(intake, "awaiting_acceptance", **intake.auth("window_clerk", hall="DEMO"))
    supervisor = await queue(intake, "awaiting_acceptance", "hall=FT&limit=2", **intake.auth("supervisor"))
    other_district = await queue(intake, "awaiting_acceptance",
                                 **intake.auth("supervisor", district="shenzhen-shahe"))
    outside = await intake.client.get("/queues/awaiting_acceptance?district=zhongshan",
                                      headers=intake.auth("supervisor"))
    unknown = await intake.client.get("/queues/everything")

    assert len(first["items"]) == 2 and first["next_offset"] == 2 and second["offset"] == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert other_hall["items"] == [] and other_district["items"] == []
    assert supervisor["items"] == first["items"]
    assert outside.status_code == 403 and unknown.status_code == 422


async def test_paused_replied_and_reopened_cases_are_in_their_queues(intake: Intake) -> None:
    paused = await intake.register(walk_in())
    await intake.act(paused["id"], "accept")
    await intake.act(paused["id"], "pause", reason="等待外单位出具证明")
    replied = await intake.register(walk_in(forward=True))
    await intake.act(replied["id"], "record_reply", reason="已答复")
    reopened = await intake.register(walk_in(forward=True))
    await intake.act(reopened["id"], "record_reply", reason="已答复")
    await intake.act(reopened["id"], "record_callback", satisfaction="dissatisfied", reason="未解决")
    cases = [paused, replied, reopened]

    assert among(await queue(intake, "paused"), cases) == [paused["id"]]
    assert among(await queue(intake, "awaiting_callback"), cases) == [replied["id"]]
    assert among(await queue(intake, "reopened"), cases) == [reopened["id"]]
    assert among(await queue(intake, "awaiting_acceptance"), cases) == []


async def test_a_forwarded_case_with_no_work_order_is_shown_stuck_with_its_reason_and_counted(intake: Intake) -> None:
    stuck, served = await intake.register(walk_in(forward=True)), await intake.register(walk_in(forward=True))
    await intake.publish(
        WorkOrderDispatched(work_order_id=f"wo-{uuid.uuid4().hex[:8]}", case_number=served["case_number"],
                            department="market", role="lead", tier="general", reason="rule"),
        topic=WORKORDER_EVENTS, case_id=served["id"], source="routing", actor="service:routing")
    fresh = await queue(intake, "stuck")
    await until(lambda: _has_work_order(intake, served["id"]))
    await asyncio.sleep(STUCK_AFTER_S)

    later = await queue(intake, "stuck")
    read = await intake.case(stuck["id"])

    assert among(fresh, [stuck, served]) == []  # forwarded a moment ago: not yet stuck
    assert among(later, [stuck, served]) == [stuck["id"]]
    row = next(item for item in later["items"] if item["id"] == stuck["id"])
    assert row["stuck"]["reason"] == "no_work_order" and "工单" in row["stuck"]["zh"]
    assert read["stuck"] == row["stuck"] and (await intake.case(served["id"]))["stuck"] is None

    async def counted() -> bool:
        metrics = (await intake.client.get("/metrics")).text
        line = next((line for line in metrics.splitlines()
                     if line.startswith('bancheng_intake_stuck_cases{district="demo"}')), "")
        return bool(line) and float(line.split()[-1]) >= 1

    assert await until(counted)


async def _has_work_order(intake: Intake, case_id: str) -> bool:
    return bool((await intake.case(case_id))["work_orders"])
