"""The queue gauge counts the cases waiting for a person by district and queue, and a queue that empties
shows 0 rather than its last count."""

from types import SimpleNamespace

import pytest

from services.routing import metrics as gauges
from services.routing.store import RoutedCase
from tests.conftest import DATABASES, fresh_sessions


def queued(district: str, queue: str) -> float:
    return gauges.QUEUED.labels(district, queue)._value.get()


def case(case_id: str, district: str, state: str) -> RoutedCase:
    return RoutedCase(case_id=case_id, case_number=case_id, district=district, problem_kind="policy",
                      description="…", state=state, reason="", catalogue_version=1)


@pytest.mark.parametrize("kind", DATABASES)
async def test_cases_waiting_for_triage_or_a_supervisor_are_counted_by_district(kind: str, tmp_path) -> None:
    async with fresh_sessions(kind, "routing", tmp_path) as sessions:
        runtime = SimpleNamespace(sessions=sessions, settings=SimpleNamespace(district="demo"))
        async with sessions() as session, session.begin():
            session.add_all([case("a", "demo", "manual_triage"), case("b", "demo", "manual_triage"),
                             case("c", "north", "supervisor"), case("d", "demo", "routed")])
        await gauges.refresh_gauges(runtime)  # type: ignore[arg-type]  # a stand-in runtime
        assert (queued("demo", "manual_triage"), queued("demo", "supervisor")) == (2.0, 0.0)
        assert queued("north", "supervisor") == 1.0

        async with sessions() as session, session.begin():
            for case_id in ("a", "b", "c"):
                (await session.get(RoutedCase, case_id)).state = "routed"
        await gauges.refresh_gauges(runtime)  # type: ignore[arg-type]  # a stand-in runtime
        assert (queued("demo", "manual_triage"), queued("north", "supervisor")) == (0.0, 0.0)
