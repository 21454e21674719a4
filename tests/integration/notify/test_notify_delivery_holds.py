"""Delivery that holds: retries with backoff, dead letters, exactly one delivery per (event, recipient, channel)."""

import asyncio

from sqlmodel import col, select

from shared import inbox
from shared.events import case, workorder
from shared.events.notification import NotificationRequested, open_message, seal_message
from shared.topics import CASE_EVENTS, NOTIFY_RESULTS, WORKORDER_EVENTS, channel_topic, dead_letter_topic
from services.notify.app import build_channel_worker_runtime, build_runtime
from services.notify.config import NotifySettings
from services.notify.domain.model import ChannelName
from services.notify.store import tables
from services.notify.workers.dispatch import DELIVERIES
from tests.unit.notify.conftest import Reply

from .conftest import CaseScript, settled, wait_records

WEBHOOK = "/webhook/market"


def case_number_of(life: CaseScript) -> bytes:
    """The number `register_and_dispatch` gives the case, as a webhook body holds it."""
    return f"BC-{life.case_id[-6:]}".encode()


async def register_and_dispatch(life: CaseScript, *, number: str = "") -> str:
    number = number or case_number_of(life).decode()
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="FT", channel="walk_in", problem_kind="missing_materials",
        description="餐馆许可证办不下来", applicant_kind="enterprise", applicant_masked="某某餐饮有限公司"))
    await life.dispatch(workorder.WorkOrderDispatched(
        work_order_id=f"wo-{number}", case_number=number, department="market", role="lead", tier="general",
        reason="rule"))
    return number


def webhook_row(rows):
    return next(row for row in rows if row.channel == "webhook")


def webhook_attempts() -> dict[str, float]:
    return {result: DELIVERIES.labels("webhook", result)._value.get() for result in ("delivered", "retrying", "failed")}


async def test_provider_failing_three_times_then_recovering_gets_one_delivery(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    life = CaseScript(producer)
    http_receiver.script(WEBHOOK, *[Reply(status=503, body=b"busy", when_body_has=case_number_of(life))] * 3)
    runtime = await start_runtime(build_runtime(notify_settings))
    counted = webhook_attempts()
    await register_and_dispatch(life)

    row = webhook_row(await settled(runtime, life.case_id, count=3))

    assert (row.state, row.attempts) == ("delivered", 4)
    now = webhook_attempts()  # the failure-rate alert's input: every attempt by its result
    assert {result: now[result] - counted[result] for result in now} == {"delivered": 1, "retrying": 3, "failed": 0}
    assert [r.path for r in http_receiver.requests].count(WEBHOOK) == 4
    results = await wait_records(broker, NOTIFY_RESULTS, life.case_id, count=6)
    webhook = [(e.type, e.data["attempts"], e.data.get("final")) for e, _ in results if e.data["channel"] == "webhook"]
    assert webhook == [("notify.failed", 1, False), ("notify.failed", 2, False), ("notify.failed", 3, False),
                       ("notify.delivered", 4, None)]


async def test_provider_that_never_recovers_ends_in_the_dead_letter_topic_with_the_reason(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    life = CaseScript(producer)
    http_receiver.script(WEBHOOK, *[Reply(status=502, body=b"down", when_body_has=case_number_of(life))] * 10)
    runtime = await start_runtime(build_runtime(notify_settings))
    counted = webhook_attempts()
    await register_and_dispatch(life)

    row = webhook_row(await settled(runtime, life.case_id, count=3))

    assert (row.state, row.attempts) == ("failed", 4)
    now = webhook_attempts()
    assert {result: now[result] - counted[result] for result in now} == {"delivered": 0, "retrying": 3, "failed": 1}
    assert row.last_error.startswith("gave up after 4 attempts: HTTP 502")
    dead = await wait_records(broker, dead_letter_topic("notify.webhook"), life.case_id, count=1)
    assert len(dead) == 1
    envelope, headers = dead[0]
    assert envelope.type == "notify.requested" and envelope.data["delivery_id"] == row.delivery_id
    assert headers["dlq_reason"] == row.last_error and headers["dlq_attempts"] == "4"
    finals = [e for e, _ in await wait_records(broker, NOTIFY_RESULTS, life.case_id, count=6) if e.data.get("final")]
    assert [e.data["delivery_id"] for e in finals] == [row.delivery_id]


async def test_redelivered_events_and_requests_send_nothing_twice(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    await register_and_dispatch(life)
    await settled(runtime, life.case_id, count=3)
    [(request, _)] = [r for r in await wait_records(broker, channel_topic("webhook"), life.case_id, count=1)]

    # The same request again, as a relay that crashed before marking it sent would publish it,
    # and as a fresh envelope (a planner replaying past the inbox): the delivery id is the key.
    await life.publish(channel_topic("webhook"), request)
    copy = life.envelope(NotificationRequested.model_validate(request.data), "notify")
    await life.publish(channel_topic("webhook"), copy)
    dispatched = [e for e, _ in await wait_records(broker, WORKORDER_EVENTS, life.case_id, count=1)]
    await life.publish(WORKORDER_EVENTS, dispatched[0])
    await asyncio.sleep(2.0)  # the copies are consumed well within this; nothing may follow them

    assert [r.path for r in http_receiver.requests].count(WEBHOOK) == 1
    rows = await settled(runtime, life.case_id, count=3)
    assert len(rows) == 3 and all(row.attempts == 1 for row in rows)
    async with runtime.sessions() as session:  # the workers' dedupe is the delivery row itself
        workers = select(inbox.ProcessedEvent).where(col(inbox.ProcessedEvent.consumer).startswith("notify."))
        assert (await session.exec(workers)).all() == []


async def test_a_request_planned_before_the_planner_stored_requests_is_still_sent(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    await register_and_dispatch(life)
    row = webhook_row(await settled(runtime, life.case_id, count=3))
    [(request, _)] = await wait_records(broker, channel_topic("webhook"), life.case_id, count=1)
    # A row as the planner wrote it before it stored requests (and due times); its request in flight.
    sent, keyring = NotificationRequested.model_validate(request.data), runtime.keyring
    earlier_id = f"{row.delivery_id}-earlier"  # the message is sealed for its delivery id: sealed again for this one
    earlier = sent.model_copy(update={"delivery_id": earlier_id, "sealed_message": seal_message(
        keyring, open_message(keyring, sent), delivery_id=earlier_id)})
    async with runtime.sessions() as session, session.begin():
        session.add(tables.Delivery(delivery_id=earlier.delivery_id, case_id=life.case_id, channel="webhook",
                                   recipient=row.recipient, template=row.template, state="requested"))
    await life.publish(channel_topic("webhook"), life.envelope(earlier, "notify"))

    rows = await settled(runtime, life.case_id, count=4)

    assert [(r.state, r.attempts) for r in rows if r.delivery_id == earlier.delivery_id] == [("delivered", 1)]
    assert [r.headers["X-Bancheng-Delivery"] for r in http_receiver.requests if r.path == WEBHOOK][
        -1
    ] == earlier.delivery_id


async def test_a_channel_added_at_run_time_is_a_new_subscriber_to_its_topic(
    notify_settings: NotifySettings, start_runtime, producer, http_receiver, tmp_path
):
    without_dingtalk = notify_settings.model_copy(
        update={"channels": notify_settings.channels - {ChannelName.dingtalk}}
    )
    runtime = await start_runtime(build_runtime(without_dingtalk))
    life = CaseScript(producer)
    number = await register_and_dispatch(life)
    await life.publish(WORKORDER_EVENTS, workorder.WorkOrderEscalated(
        work_order_id=f"wo-{number}", case_number=number, level="district", coordinator="区政管办",
        reason="需区级协调"), "routing")
    rows = await settled(runtime, life.case_id, count=5, ignore=frozenset({"dingtalk"}))
    assert {row.channel for row in rows} == {"wecom", "email", "webhook"}
    assert not any(r.path.startswith("/dingtalk/") for r in http_receiver.requests)  # no subscriber yet

    worker_settings = notify_settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{tmp_path}/dingtalk.db"})
    worker = await start_runtime(build_channel_worker_runtime(worker_settings, {ChannelName.dingtalk}))

    [row] = await settled(worker, life.case_id, count=1)
    assert (row.channel, row.state, row.recipient) == ("dingtalk", "delivered", "district_supervisor:demo")
    robot = [r for r in http_receiver.requests if r.path.startswith("/dingtalk/")]
    assert len(robot) == 1 and number in robot[0].body.decode()
