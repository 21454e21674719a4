"""A letter or a phone note entered later keeps the time it was received: in the past, bounded by the
district's pack per channel, kept on the case and carried by `case.registered`."""

from datetime import UTC, datetime, timedelta

from shared.topics import CASE_EVENTS
from tests.integration.intake.conftest import Intake, walk_in


async def test_a_letter_entered_days_later_keeps_when_it_came_in(intake: Intake) -> None:
    came_in = (datetime.now(UTC) - timedelta(days=12)).replace(microsecond=0)

    case = await intake.register(walk_in(channel="letter", received_at=came_in.isoformat()))

    read = await intake.case(case["id"])
    assert datetime.fromisoformat(read["received_at"]) == came_in
    assert datetime.fromisoformat(read["created_at"]) - came_in > timedelta(days=11)
    [registered] = await intake.events(CASE_EVENTS, case["id"], until={"case.registered"})
    assert datetime.fromisoformat(registered.data["received_at"]) == came_in
    found = (await intake.client.post("/cases/search", json={"q": case["case_number"]})).json()
    assert datetime.fromisoformat(found["items"][0]["received_at"]) == came_in


async def test_a_case_registered_as_it_comes_is_received_when_registered(intake: Intake) -> None:
    case = await intake.register(walk_in())

    assert case["received_at"] == case["created_at"]


async def test_a_received_time_in_the_future_or_beyond_the_channels_bound_is_refused_naming_it(
    intake: Intake
) -> None:
    now = datetime.now(UTC)
    refused = {
        "future": walk_in(channel="letter", received_at=(now + timedelta(hours=1)).isoformat()),
        "letter beyond 30 days": walk_in(channel="letter", received_at=(now - timedelta(days=31)).isoformat()),
        "phone beyond 7 days": walk_in(channel="phone", received_at=(now - timedelta(days=8)).isoformat()),
        "web is never backdated": walk_in(channel="web", received_at=(now - timedelta(hours=2)).isoformat()),
        "no offset": walk_in(channel="letter", received_at="2026-11-18T09:30:00"),
    }
    before = await intake.counts()

    for why, body in refused.items():
        response = await intake.client.post("/cases", json=body)
        assert response.status_code == 422, why
        assert [error["field"] for error in response.json()["errors"]] == ["received_at"], (why, response.json())
    phone = await intake.client.post("/cases", json=walk_in(channel="phone",
                                                            received_at=(now - timedelta(days=6)).isoformat()))
    assert phone.status_code == 201
    assert sum((await intake.counts()).values()) == sum(before.values()) + 1
