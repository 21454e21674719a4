"""How a dispatch pass sends what it claimed: bounded per channel, each recipient's queue in order."""

import asyncio

from shared.envelope import Envelope
from shared.events.notification import NotificationRequested, RequestedMessage, seal_message
from shared.personal_data import get_keyring
from services.notify.domain.circuit_breaker import CircuitBreaker
from services.notify.domain.model import ChannelName, Message
from services.notify.domain.rate_limit import ChannelRateLimiter
from services.notify.domain.results import Outcome
from services.notify.domain.retry import RetryPolicy
from services.notify.store.group_commit import GroupCommit
from services.notify.workers.channels.base import Channel, DeliveryFailed
from services.notify.workers.dispatch import Claimed, Dispatcher, Held


class SlowWebhook(Channel):
    """Holds each send for a moment and remembers how many were in flight at once, and the order."""

    name = ChannelName.webhook

    def __init__(self, *, failing: set[str] = frozenset()) -> None:
        self.in_flight = self.most_in_flight = 0
        self.sent: list[str] = []
        self.failing = failing

    async def _deliver(self, message: Message, address: str) -> str | None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        self.sent.append(message.delivery_id)
        if message.delivery_id in self.failing:
            raise DeliveryFailed.retryable("HTTP 503")
        return None


KEYRING = get_keyring(environment="test")


def claimed(case: str, number: int) -> Claimed:
    message = RequestedMessage(address="http://127.0.0.1:9/hook", subject="s", body="b")
    request = NotificationRequested(
        delivery_id=f"{case}-{number}", channel="webhook", recipient="department:market", template="t",
        sealed_message=seal_message(KEYRING, message, delivery_id=f"{case}-{number}"), trigger_event_id=f"e-{number}")
    envelope = Envelope.wrap(request, source="notify", case_id=case, district="d", actor="test")
    return Claimed(envelope, request, message, attempts=0, last_error=None)


def dispatcher(adapter: Channel, *, concurrency: int) -> Dispatcher:
    return Dispatcher(
        adapters={ChannelName.webhook: adapter},
        policy=RetryPolicy(),
        limiter=ChannelRateLimiter(limits={}),
        new_breaker=lambda: CircuitBreaker(failure_threshold=1000, reset_timeout=1.0),
        keyring=KEYRING,
        concurrency=concurrency,
    )


async def test_sends_in_flight_on_a_channel_never_exceed_its_concurrency():
    adapter = SlowWebhook()
    outcomes = await dispatcher(adapter, concurrency=4).send_all([claimed(f"case-{n}", 0) for n in range(40)])

    assert adapter.most_in_flight == 4
    assert len(adapter.sent) == 40 and all(outcome.outcome is Outcome.delivered for outcome in outcomes)


async def test_one_recipients_messages_of_a_case_are_sent_in_order_and_wait_behind_a_retry():
    adapter = SlowWebhook(failing={"case-a-1"})
    items = [claimed("case-a", n) for n in range(4)] + [claimed("case-b", n) for n in range(3)]

    outcomes = await dispatcher(adapter, concurrency=2).send_all(items)

    assert [sent for sent in adapter.sent if sent.startswith("case-a")] == ["case-a-0", "case-a-1"]
    assert [sent for sent in adapter.sent if sent.startswith("case-b")] == ["case-b-0", "case-b-1", "case-b-2"]
    assert outcomes[1].outcome is Outcome.retryable and outcomes[2:4] == [Held(), Held()]


async def test_a_sender_takes_its_next_row_only_once_its_last_attempt_is_recorded():
    """What a kill -9 can have sent without a record is bounded by the sends in flight, not the pass."""
    adapter = SlowWebhook()
    recorded: list[str] = []
    most_unrecorded = 0

    async def record(settled: list) -> None:
        nonlocal most_unrecorded
        most_unrecorded = max(most_unrecorded, len(adapter.sent) - len(recorded))
        await asyncio.sleep(0.002)  # the write's round trip, while the other senders go on
        recorded.extend(item.request.delivery_id for item, _outcome in settled)

    await dispatcher(adapter, concurrency=4).send_all(
        [claimed(f"case-{n}", 0) for n in range(40)], commits=GroupCommit(record)
    )

    assert sorted(recorded) == sorted(adapter.sent) and len(recorded) == 40
    assert 1 <= most_unrecorded <= 4


async def test_a_retry_is_recorded_with_the_rest_of_its_queue_held_behind_it():
    adapter = SlowWebhook(failing={"case-a-1"})
    writes: list[list[tuple[str, object]]] = []

    async def record(settled: list) -> None:
        writes.append([(item.request.delivery_id, outcome) for item, outcome in settled])

    await dispatcher(adapter, concurrency=1).send_all(
        [claimed("case-a", n) for n in range(4)], commits=GroupCommit(record)
    )

    assert [[delivery_id for delivery_id, _ in write] for write in writes] == [
        ["case-a-0"],
        ["case-a-1", "case-a-2", "case-a-3"],
    ]
    assert writes[1][1:] == [("case-a-2", Held()), ("case-a-3", Held())]


async def test_one_write_records_a_round_of_sends_when_the_senders_finish_together():
    adapter = SlowWebhook()
    writes: list[int] = []

    async def record(settled: list) -> None:
        writes.append(len(settled))

    await dispatcher(adapter, concurrency=4).send_all(
        [claimed(f"case-{n}", 0) for n in range(40)], commits=GroupCommit(record, linger_s=1.0)
    )

    assert sum(writes) == 40 and len(writes) <= 12  # rounds of 4, not a write per send


async def test_attempts_that_finish_during_a_write_are_written_together_in_the_next():
    writes: list[list[str]] = []
    first_write_started = asyncio.Event()
    release_first_write = asyncio.Event()

    async def write(settled: list) -> None:
        writes.append([item.request.delivery_id for item, _outcome in settled])
        if len(writes) == 1:
            first_write_started.set()
            await release_first_write.wait()

    commits = GroupCommit(write)
    first = asyncio.create_task(commits.add([(claimed("case-0", 0), Held())]))
    await first_write_started.wait()
    later = [asyncio.create_task(commits.add([(claimed(f"case-{n}", 0), Held())])) for n in (1, 2, 3)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in later)  # each waits for its own write
    release_first_write.set()
    await asyncio.gather(first, *later)

    assert writes == [["case-0-0"], ["case-1-0", "case-2-0", "case-3-0"]]
