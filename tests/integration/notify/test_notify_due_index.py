"""The dispatcher's passes read the open deliveries alone, through their index, however long the history.

Each pass claims due deliveries, and an idle dispatcher asks twice a second when the next one is due:
both must cost what the open rows cost, not what every delivery ever sent costs. The statements the
dispatcher really runs are captured and explained on a migrated database holding a history of delivered
rows (statistics gathered, as a live database has them).
"""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import event, insert, text

from shared import db, migrations
from shared.envelope import Envelope
from shared.events.notification import NotificationRequested
from services.notify import store
from services.notify.adapters import build_dispatcher
from services.notify.config import NotifySettings
from services.notify.domain.model import ChannelName
from tests.conftest import DATABASES, database_url

MIGRATIONS = Path(store.__file__).parent / "migrations"
HISTORY = 5000


def delivery(number: int, *, state: str, due_at: datetime | None, channel: str = "webhook") -> dict[str, object]:
    delivery_id, case_id = f"d-{channel}-{state}-{number}", f"case-{number}"
    request = NotificationRequested(delivery_id=delivery_id, channel=channel, recipient="department:SCJGJ",
                                    template="t", subject="s", body="b", trigger_event_id=f"e-{number}")
    envelope = Envelope.wrap(request, source="notify", case_id=case_id, district="default", actor="service:notify")
    return {"delivery_id": delivery_id, "case_id": case_id, "channel": channel, "recipient": request.recipient,
            "template": "t", "event_type": "workorder.dispatched", "state": state,
            "attempts": 1 if state == "delivered" else 0, "due_at": due_at, "last_error": None,
            "request": envelope.model_dump_json(), "created_at": datetime.now(UTC), "delivered_at": None}


async def plans(engine, statements: list[tuple[str, object]], kind: str) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        return [" / ".join(str(row[-1]) for row in await connection.exec_driver_sql(explain + sql, params))
                for sql, params in statements]


@pytest.mark.parametrize("kind", DATABASES)
async def test_claim_and_next_due_read_the_open_deliveries_through_their_index(kind: str, tmp_path: Path) -> None:
    url = database_url(kind, "notify", tmp_path)
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
    engine = db.create_engine(url)
    try:
        now = datetime.now(UTC)
        async with engine.begin() as connection:
            await connection.execute(insert(store.Delivery.__table__), [
                *(delivery(n, state="delivered", due_at=None) for n in range(HISTORY)),
                *(delivery(n, state="requested", due_at=now) for n in range(50)),  # planned, not yet queued
                *(delivery(n, state="pending", due_at=now - timedelta(seconds=n)) for n in range(10)),
                *(delivery(n, state="pending", due_at=now, channel="sms") for n in range(10, 15)),
            ])
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
        dispatcher = build_dispatcher(NotifySettings(database_url=url), {ChannelName.webhook})
        runtime = SimpleNamespace(sessions=db.session_factory(engine))
        statements: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        claimed = await dispatcher._claim(runtime)
        await dispatcher._until_next_due(runtime)
        event.remove(engine.sync_engine, "before_cursor_execute", capture)

        # The due webhook deliveries, earliest due first: not the planned ones, nor another channel's.
        assert [item.request.delivery_id for item in claimed] == [f"d-webhook-pending-{n}" for n in reversed(range(10))]
        assert len(statements) == 2
        for plan in await plans(engine, statements, kind):
            assert re.search(r"\bix_delivery_due\b", plan), plan
            assert "SCAN delivery" not in plan and "Seq Scan" not in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # claimed in the index's order, not sorted after reading
    finally:
        await engine.dispose()
