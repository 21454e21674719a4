"""What a run through the whole stack must leave behind, read from the services' databases, metrics and the
file sink: each effect once, nothing waiting in an outbox. Used by the e2e tests and bench/chaos.py."""

import json
import re
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

_PARTITIONS = re.compile(r'bancheng_consumer_partitions\{consumer="([^"]+)"\} (\S+)')

# Each query lists what breaks "once": rows that should not be there. `->>` reads JSON on both engines.
# A deadline per subject and a log entry per event id are unique constraints, so not queried here.
DOUBLED = {
    "routing": {
        "work orders dispatched twice":
            "SELECT case_id, department, role, round FROM work_order GROUP BY 1, 2, 3, 4 HAVING count(*) > 1",
    },
    "audit": {
        "deadlines armed twice": "SELECT payload->>'subject', payload->>'subject_id' FROM audit_entry"
        " WHERE event_type = 'sla.deadline_armed' AND payload->>'change' IS NULL"
        " GROUP BY 1, 2 HAVING count(*) > 1",
        "work orders dispatched twice (log)": "SELECT payload->>'work_order_id' FROM audit_entry"
        " WHERE event_type = 'workorder.dispatched' GROUP BY 1 HAVING count(*) > 1",
        "deliveries recorded twice": "SELECT payload->>'delivery_id' FROM audit_entry"
        " WHERE event_type = 'notify.delivered' GROUP BY 1 HAVING count(*) > 1",
    },
}


def partitions(url: str) -> dict[str, int]:
    """Partitions the process at `url` holds, per consumer group (`shared.offset_commits`)."""
    return {group: int(float(n)) for group, n in _PARTITIONS.findall(httpx.get(f"{url}/metrics", timeout=5).text)}


async def _rows(url: str, query: str) -> list[tuple]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in (await connection.execute(text(query))).all()]
    finally:
        await engine.dispose()


async def doubled(urls: dict[str, str]) -> dict[str, list[tuple]]:
    """Per check, the rows that show an effect applied twice (all empty when nothing was)."""
    return {
        name: await _rows(urls[service], query) for service, named in DOUBLED.items() for name, query in named.items()
    }


async def outbox_pending(urls: dict[str, str]) -> dict[str, int]:
    return {service: (await _rows(url, "SELECT count(*) FROM outbox"))[0][0] for service, url in urls.items()}


async def delivered_ids(notify_url: str) -> set[str]:
    return {row[0] for row in await _rows(notify_url, "SELECT delivery_id FROM delivery WHERE state = 'delivered'")}


async def work_orders_per_case(routing_url: str) -> Counter:
    return Counter(row[0] for row in await _rows(routing_url, "SELECT case_id FROM work_order"))


def sink_lines(*sinks: Path) -> Counter:
    """Lines written to the notify file sinks, per delivery id (a repeat: sent again after a kill)."""
    return Counter(json.loads(line)["delivery_id"] for sink in sinks if sink.exists()
                   for line in sink.read_text(encoding="utf-8").splitlines())
