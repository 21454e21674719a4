"""Live changes: who sees which change (the policy table's reach), the bounded fan-out (a browser that does not
keep up is dropped, the others are not held back), and `/api/live` served by a real server in this process
(events, heartbeats, the stream ending with the session, a client forgotten when it goes)."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI

from shared import problems
from shared.auth.principal import Principal
from shared.envelope import Envelope
from shared.events.workorder import WorkOrderDispatched
from shared.topics import CASE_CONTACTS, CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from services.console import api
from services.console.app import Console
from services.console.config import ConsoleSettings
from services.console.domain.live import LiveChange, change_of, visible_to
from services.console.handlers import fan_out_to
from services.console.store.live import LiveHub
from services.console.store.sessions import Session, SessionStore

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def person(*roles: str, district: str = "futian", hall: str | None = None, department: str | None = None) -> Principal:
    return Principal(subject="u", name="u", kind="person", roles=frozenset(roles), district=district, hall=hall,
                     department=department)


CLERK = person("window_clerk", hall="FT-CENTRE")
MARKET = person("dept_handler", department="market")
HOUSING_HEAD = person("dept_head", department="housing")
SUPERVISOR = person("supervisor")
OTHER_SUPERVISOR = person("supervisor", district="nanshan")


def change(topic: str, event_type: str, *, hall: str | None = "FT-CENTRE", district: str = "futian",
           **data: Any) -> LiveChange:
    found = change_of(topic, event_id="e1", event_type=event_type, case_id="c1", district=district, hall=hall,
                      occurred_at=AT, data=data)
    assert found is not None
    return found


def who_sees(shown: LiveChange) -> set[str]:
    people = {"clerk": CLERK, "market": MARKET, "housing_head": HOUSING_HEAD, "supervisor": SUPERVISOR,
              "other_supervisor": OTHER_SUPERVISOR}
    return {name for name, principal in people.items() if visible_to(principal, shown)}


def test_a_case_change_reaches_its_halls_clerks_and_its_districts_supervisors_not_departments() -> None:
    registered = change(CASE_EVENTS, "case.registered", case_number="FT-20261207-0001")
    assert who_sees(registered) == {"clerk", "supervisor"}
    assert who_sees(change(CASE_EVENTS, "case.registered", hall="FT-NORTH")) == {"supervisor"}


def test_a_work_order_change_reaches_its_department_only_among_departments() -> None:
    signed = change(WORKORDER_EVENTS, "workorder.signed_for", case_number="FT-1", department="market")
    assert who_sees(signed) == {"clerk", "market", "supervisor"}
    assert signed.state == "signed_for"
    assert "market" not in who_sees(change(WORKORDER_EVENTS, "workorder.dispatched", department="housing"))


def test_a_card_on_a_work_order_reaches_the_department_and_the_supervisor_of_its_district_only() -> None:
    card = change(SLA_EVENTS, "sla.card_issued", department="housing", colour="red", subject="work_order")
    assert who_sees(card) == {"clerk", "housing_head", "supervisor"}
    assert card.colour == "red"
    assert who_sees(change(SLA_EVENTS, "sla.card_issued", district="nanshan", hall="NS-1", department="market",
                           colour="yellow")) == {"other_supervisor"}


def test_what_no_screen_follows_is_not_a_change() -> None:
    assert change_of(CASE_CONTACTS, event_id="e", event_type="case.contact_recorded", case_id="c", district="futian",
                     hall=None, occurred_at=AT, data={}) is None
    assert change_of(SLA_EVENTS, event_id="e", event_type="calendar.working_day_overrides_changed",
                     case_id="calendar", district="", hall=None, occurred_at=AT, data={}) is None


def test_the_message_is_small_and_names_only_what_is_known() -> None:
    message = change(WORKORDER_EVENTS, "workorder.replied", case_number="FT-1", department="market",
                     reply="已答复", work_order_id="w1").message()
    assert message == {"type": "workorder.replied", "case_id": "c1", "case_number": "FT-1", "district": "futian",
                       "hall": "FT-CENTRE", "department": "market", "state": "replied", "at": AT.isoformat()}


async def test_a_client_that_does_not_keep_up_is_dropped_and_the_others_still_receive() -> None:
    hub = LiveHub(queue_size=3)
    stalled, reading, elsewhere = hub.connect(SUPERVISOR), hub.connect(SUPERVISOR), hub.connect(OTHER_SUPERVISOR)
    received = []
    for number in range(10):
        assert hub.publish(change(CASE_EVENTS, "case.accepted", case_number=f"FT-{number}")) >= 1
        received.append((await reading.queue.get()).case_number)
    assert stalled.dropped and stalled.queue.qsize() == 3  # bounded: never more than its queue
    assert received == [f"FT-{number}" for number in range(10)]
    assert not reading.dropped and elsewhere.queue.empty() and not elsewhere.dropped
    assert hub.clients == 2  # the stalled one is gone; its stream ends when it next reads
    hub.disconnect(reading)
    assert hub.publish(change(CASE_EVENTS, "case.accepted")) == 0


async def test_the_bus_handler_fans_out_each_decodable_record_and_skips_the_rest() -> None:
    hub = LiveHub(queue_size=8)
    market = hub.connect(MARKET)
    event = WorkOrderDispatched(work_order_id="w1", case_number="FT-9", department="market", role="lead",
                                tier="general", reason="catalogue")
    envelope = Envelope.wrap(event, source="routing", case_id="c9", district="futian", hall="FT-CENTRE",
                             actor="service:routing", occurred_at=AT)
    key, value, headers = envelope.to_kafka()
    records = [SimpleNamespace(topic=WORKORDER_EVENTS, partition=0, offset=1, key=key, value=b"{not json",
                               headers=headers),
               SimpleNamespace(topic=CASE_CONTACTS, partition=0, offset=1, key=key, value=value, headers=headers),
               SimpleNamespace(topic=WORKORDER_EVENTS, partition=0, offset=2, key=key, value=value, headers=headers)]
    await fan_out_to(hub)(SimpleNamespace(raw_message=records))  # type: ignore[arg-type]  # a batch as FastStream hands it
    shown = market.queue.get_nowait()
    assert (shown.id, shown.case_number, shown.state) == (str(envelope.id), "FT-9", "dispatched")
    assert market.queue.empty()


# /api/live over a real socket (an in-process ASGI transport would wait for the endless body).

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def served(tmp_path) -> AsyncIterator[SimpleNamespace]:
    settings = ConsoleSettings(web_dist=tmp_path, database_url="sqlite+aiosqlite:///:memory:",
                               live_heartbeat_s=0.2, live_queue_size=4)
    sessions = SessionStore(idle_timeout_s=60, absolute_timeout_s=600, login_timeout_s=60)
    console = Console(sessions=sessions, oidc=None, verifier=None, http=None,  # type: ignore[arg-type]  # not used here
                      live=LiveHub(queue_size=settings.live_queue_size))
    application = FastAPI()
    problems.install(application)
    application.state.runtime = SimpleNamespace(settings=settings, console=console)
    application.include_router(api.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", console=console)
    finally:
        server.should_exit = True
        await serving


def sign_in(console: Console, principal: Principal) -> str:
    return console.sessions.open(Session(principal=principal, access_token="t", refresh_token=None, id_token=None,
                                         access_expires_at=time.monotonic() + 900))


async def read_until(lines: AsyncIterator[str], wanted: str) -> list[str]:
    seen = []
    async with asyncio.timeout(5):
        async for line in lines:
            seen.append(line)
            if line.startswith(wanted):
                return seen
    raise AssertionError(f"the stream ended before {wanted!r}: {seen}")


async def test_the_stream_sends_the_changes_a_person_may_see_with_heartbeats_and_ends_with_the_session(
    served: SimpleNamespace,
) -> None:
    console: Console = served.console
    session_id = sign_in(console, MARKET)
    async with httpx.AsyncClient(base_url=served.url, cookies={"bancheng_session": "nobody"}) as stranger:
        assert (await stranger.get("/api/live")).status_code == 401
    async with (httpx.AsyncClient(base_url=served.url, cookies={"bancheng_session": session_id}) as browser,
                browser.stream("GET", "/api/live") as stream):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert "retry: 3000" in await read_until(lines, "retry:")
        while console.live.clients == 0:
            await asyncio.sleep(0.01)
        console.live.publish(change(WORKORDER_EVENTS, "workorder.dispatched", department="housing"))
        console.live.publish(change(WORKORDER_EVENTS, "workorder.dispatched", case_number="FT-7",
                                    department="market"))
        seen = await read_until(lines, "id:")
        assert seen[-1] == "id: e1"
        sent = [orjson.loads(line.removeprefix("data:")) for line in seen if line.startswith("data:")]
        assert [message["case_number"] for message in sent] == ["FT-7"]  # housing's was not sent
        await read_until(lines, ": heartbeat")
        console.sessions.close(session_id)
        async with asyncio.timeout(5):
            async for _line in lines:  # ends at the next heartbeat, the session gone
                pass
    while console.live.clients:  # the server forgot the client
        await asyncio.sleep(0.01)


async def test_a_browser_that_goes_away_is_forgotten_and_may_reconnect(served: SimpleNamespace) -> None:
    console: Console = served.console
    session_id = sign_in(console, SUPERVISOR)
    async with (httpx.AsyncClient(base_url=served.url, cookies={"bancheng_session": session_id}) as browser,
                browser.stream("GET", "/api/live") as stream):
        await read_until(stream.aiter_lines(), "retry:")
        assert console.live.clients == 1
    async with asyncio.timeout(5):
        while console.live.clients:
            await asyncio.sleep(0.01)
    # The browser's reconnect names the last event it saw: the stream opens again (nothing is replayed).
    async with (httpx.AsyncClient(base_url=served.url, cookies={"bancheng_session": session_id}) as browser,
                browser.stream("GET", "/api/live", headers={"last-event-id": "e1"}) as again):
        assert again.status_code == 200
        await read_until(again.aiter_lines(), "retry:")
