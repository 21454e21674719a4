"""Two routing processes in one consumer group share the case stream's partitions over one PostgreSQL
database; even when one is killed mid-stream, every case gets its work order exactly once."""

import re
import time

import httpx
import pytest

from shared.topics import WORKORDER_EVENTS
from tests.conftest import database_url
from tests.integration.routing.conftest import eventually, forwarded, publish, staff, start_routing, work_orders

pytestmark = pytest.mark.postgres


def cases_applied(url: str) -> float:
    metrics = httpx.get(f"{url}/metrics").text
    found = re.search(r'bancheng_events_applied_total\{consumer="routing",type="case.forwarded"\} (\S+)', metrics)
    return float(found.group(1)) if found else 0.0


def id_card_cases(n: int) -> list:
    return [forwarded(f"身份证过期了要换领 {i}", matter_code="id_card") for i in range(n)]


async def test_two_instances_share_partitions_and_never_dispatch_a_work_order_twice(
        broker, tmp_path, read_topic) -> None:
    url = database_url("postgres", "routing", tmp_path)
    first = start_routing(broker, tmp_path, url, name="first")
    second = start_routing(broker, tmp_path, url, name="second")
    stream = read_topic(WORKORDER_EVENTS)
    sent = []
    try:
        urls = [first.url("routing"), second.url("routing")]
        deadline = time.monotonic() + 60
        while not all(cases_applied(u) for u in urls):  # waves until the group has rebalanced onto both
            assert time.monotonic() < deadline, "the second instance never got a partition"
            wave = id_card_cases(16)
            await publish(broker, *wave)
            sent += wave
            async with httpx.AsyncClient(base_url=urls[0], headers=staff()) as client:
                for case in wave:
                    await work_orders(client, case.case_id)

        last_wave = id_card_cases(60)
        await publish(broker, *last_wave)
        second.kill("routing")  # mid-stream: what it had not acknowledged is redelivered to the first instance
        # Later cases on every partition (80 random keys over 8 partitions) are applied only after whatever
        # the survivor is redelivered on that partition, so once they are all routed, nothing else is due.
        sentinels = id_card_cases(80)
        await publish(broker, *sentinels)
        sent += last_wave + sentinels
        await eventually(lambda: _all_dispatched(stream, sent), timeout_s=90)
        async with httpx.AsyncClient(base_url=urls[0], headers=staff()) as client:
            for case in sent:
                orders = (await client.get(f"/cases/{case.case_id}/work-orders")).json()["items"]
                assert len(orders) == 1, case.case_id
    finally:
        first.stop_service("routing")
        second.stop_service("routing")
    for case in sent:
        dispatched = stream.envelopes(type="workorder.dispatched", case_id=case.case_id)
        assert len({e.data["work_order_id"] for e in dispatched}) == 1, case.case_id


async def _all_dispatched(stream, cases: list) -> bool:
    routed = {e.case_id for e in stream.envelopes(type="workorder.dispatched")}
    return all(case.case_id in routed for case in cases)
