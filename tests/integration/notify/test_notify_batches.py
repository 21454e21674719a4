"""Many cases consumed in one batch: each delivery settles on its own, and nothing is sent twice."""

import asyncio

import pytest
from sqlalchemy import delete

from shared import inbox
from shared.topics import CASE_EVENTS, WORKORDER_EVENTS, channel_topic, dead_letter_topic
from services.notify.app import build_runtime
from tests.conftest import DATABASES
from tests.unit.notify.conftest import Reply

from .conftest import CaseScript, settled, wait_records
from .test_notify_delivery_holds import WEBHOOK, register_and_dispatch, webhook_row

CASES = 8


async def many_cases(producer) -> list[CaseScript]:
    """Cases published together, so the planner, the webhook worker and the dispatcher take them in batches."""
    lives = [CaseScript(producer) for _ in range(CASES)]
    await asyncio.gather(*(register_and_dispatch(life) for life in lives))
    return lives


@pytest.mark.parametrize("notify_settings", DATABASES, indirect=True)
async def test_a_batch_with_one_delivery_refused_by_its_provider_delivers_the_others_once(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    http_receiver.script(WEBHOOK, Reply(status=400, body=b'{"error":"unknown work order"}'))
    runtime = await start_runtime(build_runtime(notify_settings))
    lives = await many_cases(producer)

    rows = {life.case_id: webhook_row(await settled(runtime, life.case_id, count=3)) for life in lives}

    states = sorted((row.state, row.attempts) for row in rows.values())
    assert states == [("delivered", 1)] * (CASES - 1) + [("failed", 1)]
    [refused] = [case_id for case_id, row in rows.items() if row.state == "failed"]
    assert rows[refused].last_error.startswith("HTTP 400")
    assert [r.path for r in http_receiver.requests].count(WEBHOOK) == CASES
    [(dead, headers)] = await wait_records(broker, dead_letter_topic("notify.webhook"), refused, count=1)
    assert dead.data["delivery_id"] == rows[refused].delivery_id and headers["dlq_attempts"] == "1"


@pytest.mark.parametrize("notify_settings", DATABASES, indirect=True)
async def test_a_batch_replayed_past_the_inbox_sends_nothing_twice(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    runtime = await start_runtime(build_runtime(notify_settings))
    lives = await many_cases(producer)
    for life in lives:
        await settled(runtime, life.case_id, count=3)
    async with runtime.sessions() as session, session.begin():  # as if the applied ids had been pruned
        await session.exec(delete(inbox.ProcessedEvent))

    replayed = []
    for topic in (CASE_EVENTS, WORKORDER_EVENTS, channel_topic("webhook")):
        for life in lives:
            replayed += [(topic, envelope) for envelope, _ in await wait_records(broker, topic, life.case_id, count=1)]
    await asyncio.gather(*(CaseScript(producer).publish(topic, envelope) for topic, envelope in replayed))
    await asyncio.sleep(2.0)  # the replay is consumed well within this; nothing may follow it

    assert [r.path for r in http_receiver.requests].count(WEBHOOK) == CASES
    for life in lives:
        rows = await settled(runtime, life.case_id, count=3)
        assert len(rows) == 3 and all(row.attempts == 1 for row in rows)
