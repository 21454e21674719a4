"""The SLA gauges read the deadlines table: a due firing nobody fired shows how long it has waited,
open deadlines and cards count by district and colour, and closing a deadline takes it and its card out."""

from datetime import UTC, datetime, timedelta

import pytest

from services.sla import metrics as gauges
from services.sla import store
from services.sla.app import build_runtime
from services.sla.config import SlaSettings
from tests.conftest import DATABASES, fresh_sessions


def sample(gauge, *labels: str) -> float:
    return (gauge.labels(*labels) if labels else gauge)._value.get()


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_due_firing_left_unfired_shows_its_wait_and_cards_count_until_their_deadline_closes(
    kind: str, tmp_path
) -> None:
    runtime = build_runtime(SlaSettings(environment="test"))
    now = runtime.clock.now()
    async with fresh_sessions(kind, "sla", tmp_path) as sessions:
        runtime.sessions = sessions  # the fixture's database
        await gauges.refresh_gauges(runtime)  # type: ignore[arg-type]  # a stand-in runtime
        assert sample(gauges.FIRING_OVERDUE) == 0.0
        assert sample(gauges.CARDS, "demo", "red") == 0.0

        late = store.Deadline(case_id="c-1", subject="case", subject_id="c-1", district="demo", tier="simple",
                              state="open", next_firing_at=now - timedelta(minutes=10))
        async with sessions() as session, session.begin():
            session.add(late)
            session.add(store.Deadline(case_id="c-2", subject="case", subject_id="c-2", district="demo",
                                       tier="simple", state="waiting"))
            session.add(store.SupervisionItem(deadline_id=late.id, case_id="c-1", colour="red", reason="overdue",
                                              department="housing", hall="DEMO", district="demo", opened_at=now))
        await gauges.refresh_gauges(runtime)  # type: ignore[arg-type]  # a stand-in runtime
        assert 600 <= sample(gauges.FIRING_OVERDUE) < 660  # the sweeper did not fire it: as if stuck
        assert sample(gauges.DEADLINES, "demo", "open") == 1.0
        assert sample(gauges.DEADLINES, "demo", "waiting") == 1.0
        assert sample(gauges.CARDS, "demo", "red") == 1.0
        assert sample(gauges.CARDS, "demo", "yellow") == 0.0

        async with sessions() as session, session.begin():
            row = await session.get(store.Deadline, late.id)
            row.state, row.next_firing_at, row.closed_at = "closed", None, datetime.now(UTC)
        await gauges.refresh_gauges(runtime)  # type: ignore[arg-type]  # a stand-in runtime
        assert sample(gauges.FIRING_OVERDUE) == 0.0
        assert sample(gauges.DEADLINES, "demo", "open") == 0.0
        assert sample(gauges.CARDS, "demo", "red") == 0.0
