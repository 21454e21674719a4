"""The domain pieces together, as a channel worker will use them (the Kafka wiring is the handlers')."""

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from services.notify.domain.compose import compose
from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.model import ChannelName, CitizenContact, NotificationContext
from services.notify.domain.planner import plan
from services.notify.domain.results import Outcome
from services.notify.domain.retry import RetryPolicy, Verdict
from services.notify.workers.channels.file import FileSinkChannel
from services.notify.workers.channels.recording import RecordingChannel

from .messages import message

START = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
VARIABLES = {
    "deadline": START + timedelta(days=3), "contact": "李工 0755-83000000", "hall_name": "示例区政务服务中心",
    "window_name": "3号窗口", "summary": "租赁备案材料不齐", "reply": "已补齐并办结", "satisfaction": "满意",
    "order_kind_zh": "新工单", "order_kind_en": "new work order",
    "on_time": "按时 / on time",
}
LIFE = ["case.registered", "case.accepted", "workorder.dispatched", "sla.warning",
        "case.replied", "case.callback_recorded", "case.archived"]


def context(event_number: int) -> NotificationContext:
    return NotificationContext(
        event_id=f"evt-{event_number}", case_id="case-1", case_number="BC-20261123-0001", district="demo",
        hall_id="FT", citizen=CitizenContact(name="王五", phone="13900001111"),
        lead_department="market", assisting_departments=("housing",), hotline_ticket_id="GD-2026-9",
        variables=VARIABLES,
    )


async def test_a_case_life_produces_exactly_the_expected_messages_per_channel(config: NotifyConfig):
    channels = {name: RecordingChannel(name) for name in ChannelName}
    for number, event_type in enumerate(LIFE):
        now = START + timedelta(hours=number)
        for delivery in plan(rules=config.rules, event_type=event_type, context=context(number), now=now):
            result = await channels[delivery.channel].send(compose(delivery, templates=config.templates))
            assert result.outcome is Outcome.delivered, result.reason
    sent = Counter({name.value: len(channel.sent) for name, channel in channels.items() if channel.sent})
    # citizen SMS: registered, accepted, replied, callback; e-mail: dispatched ×2 departments, warning
    # (the citizen gave no e-mail); 12345: accepted, replied, callback, closed.
    assert sent == {"sms": 4, "email": 3, "wecom": 3, "webhook": 1, "hotline_12345": 4}
    hotline = [m.metadata["hotline_status"] for m in channels[ChannelName.hotline_12345].sent]
    assert hotline == ["accepted", "replied", "callback", "closed"]


async def deliver_with_retries(channel: RecordingChannel, policy: RetryPolicy) -> tuple[Verdict, str, float]:
    rng, waited, attempt = random.Random(3), 0.0, 0
    while True:
        attempt += 1
        result = await channel.send(message(channel.name, "13900001111"))
        decision = policy.decide(result, attempt=attempt, rng=rng)
        if decision.verdict is not Verdict.retry:
            return decision.verdict, decision.reason, waited
        waited += decision.delay  # a worker would re-publish with this delay


async def test_provider_failing_three_times_then_recovering_delivers_once():
    channel = RecordingChannel(ChannelName.sms, outcomes=[Outcome.retryable] * 3)
    verdict, _, waited = await deliver_with_retries(channel, RetryPolicy(max_attempts=6, base=1.0, cap=60.0))
    assert (verdict, len(channel.attempts), len(channel.sent)) == (Verdict.done, 4, 1)
    assert waited <= 1 + 2 + 4


async def test_provider_that_never_recovers_ends_in_dead_letter_with_the_reason():
    channel = RecordingChannel(ChannelName.sms, outcomes=[Outcome.retryable] * 10)
    verdict, reason, _ = await deliver_with_retries(channel, RetryPolicy(max_attempts=5))
    assert (verdict, len(channel.attempts), channel.sent) == (Verdict.dead_letter, 5, [])
    assert reason == "gave up after 5 attempts: scripted retryable failure"


async def test_file_sink_writes_one_json_line_per_message(tmp_path):
    sink = FileSinkChannel(path=tmp_path / "outbox" / "notify.jsonl", clock=lambda: 1.0)
    for number in range(3):
        result = await sink.send(message(ChannelName.file, "department:housing", delivery_id=f"d-{number}"))
        assert result.outcome is Outcome.delivered
    lines = (tmp_path / "outbox" / "notify.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["delivery_id"] for line in lines] == ["d-0", "d-1", "d-2"]
    assert json.loads(lines[0])["subject"] == "【办成】新工单 BC-1 / New work order"
