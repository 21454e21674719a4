"""The dispatcher's passes read the open deliveries alone, through their index, however long the history.

Each pass claims due deliveries, and an idle dispatcher asks twice a second when the next one is due:
both must cost what the open rows cost, not what every delivery ever sent costs. The statements the
dispatcher really runs are captured and explained on a migrated database holding a history of delivered
rows (statistics gathered, as a live database has them).
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import insert

from shared import db
from shared.envelope import Envelope
from shared.events.notification import NotificationRequested, RequestedMessage, seal_message
from shared.personal_data import get_keyring
from services.notify.config import NotifySettings
from services.notify.domain.model import ChannelName
from services.notify.store import tables
from services.notify.store.personal_data import seal_request
from services.notify.workers.adapters import build_dispatcher
from tests.conftest import DATABASES
from tests.query_plans import captured_selects, full_scans, gather_statistics, migrated_engine, plans, sorts, uses_index

MIGRATIONS = Path(tables.__file__).parent.parent / "migrations"
KEYRING = get_keyring(environment=NotifySettings().environment)
HISTORY = 5000


def delivery(number: int, *, state: str, due_at: datetime | None, channel: str = "webhook") -> dict[str, object]:
    delivery_id, case_id = f"d-{channel}-{state}-{number}", f"case-{number}"
    request = NotificationRequested(
        delivery_id=delivery_id,
        channel=channel,
        recipient="department:market",
        template="t",
        sealed_message=seal_message(KEYRING, RequestedMessage(subject="s", body="b"), delivery_id=delivery_id),
        trigger_event_id=f"e-{number}",
    )
    envelope = Envelope.wrap(request, source="notify", case_id=case_id, district="demo", actor="service:notify")
    return {
        "delivery_id": delivery_id,
        "case_id": case_id,
        "channel": channel,
        "recipient": request.recipient,
        "template": "t",
        "event_type": "workorder.dispatched",
        "state": state,
        "attempts": 1 if state == "delivered" else 0,
        "due_at": due_at,
        "last_error": None,
        "request": seal_request(KEYRING, envelope.model_dump_json(), delivery_id=delivery_id),
        "created_at": datetime.now(UTC),
        "delivered_at": None,
    }


@pytest.mark.parametrize("kind", DATABASES)
async def test_claim_and_next_due_read_the_open_deliveries_through_their_index(kind: str, tmp_path: Path) -> None:
    async with migrated_engine(kind, "notify", tmp_path, MIGRATIONS) as engine:
        now = datetime.now(UTC)
        async with engine.begin() as connection:
            await connection.execute(
                insert(tables.Delivery.__table__),
                [
                    *(delivery(n, state="delivered", due_at=None) for n in range(HISTORY)),
                    *(delivery(n, state="requested", due_at=now) for n in range(50)),  # planned, not yet queued
                    *(delivery(n, state="pending", due_at=now - timedelta(seconds=n)) for n in range(10)),
                    *(delivery(n, state="pending", due_at=now, channel="sms") for n in range(10, 15)),
                ],
            )
        await gather_statistics(engine)
        # One channel served: SQLite took the channel index then, and read the channel's whole history.
        dispatcher = build_dispatcher(
            NotifySettings(database_url=str(engine.url)), {ChannelName.webhook}, keyring=KEYRING
        )
        runtime = SimpleNamespace(sessions=db.session_factory(engine))
        with captured_selects(engine) as statements:
            claimed = await dispatcher._claim(runtime)
            await dispatcher._until_next_due(runtime)

        # The due webhook deliveries, earliest due first: not the planned ones, nor another channel's.
        assert [item.request.delivery_id for item in claimed] == [f"d-webhook-pending-{n}" for n in reversed(range(10))]
        assert len(statements) == 2
        for plan in await plans(engine, statements):
            assert uses_index(plan, "ix_delivery_due"), plan
            assert not full_scans(plan, "delivery"), plan
            assert not sorts(plan), plan  # claimed in the index's order, not sorted after reading
