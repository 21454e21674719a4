"""The citizen's own pages' backend (/public, docs/citizen.md) over real processes: intake as an HTTP server on
the real broker and database, notify's runtime planning and sending the SMS code to the test's gateway (an
HTTP receiver speaking the generic JSON protocol)."""

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer

from shared.dev.broker import DevBroker, free_port
from shared.envelope import Envelope
from shared.events.sla import DeadlineArmed
from shared.settings import KafkaSettings
from shared.topics import SLA_EVENTS
from services.intake import store
from services.intake.app import IntakeRuntime, build_runtime
from services.intake.config import IntakeSettings
from services.intake.domain.citizen import proof_holds, solve
from services.notify.app import build_runtime as build_notify
from tests.conftest import DATABASES, database_url
from tests.integration.intake.conftest import SECRET
from tests.integration.intake.test_attachments import png
from tests.integration.notify.conftest import notify_settings, start_runtime  # noqa: F401 - fixtures
from tests.issuer import TokenIssuer
from tests.unit.notify import conftest as unit_fixtures
from tests.unit.notify.conftest import HttpReceiver

_running_receiver = unit_fixtures._running_receiver
http_receiver = unit_fixtures.http_receiver
smtp_server = unit_fixtures.smtp_server

REPORTS_PER_MINUTE = 6  # the burnt code test tries five wrong codes and a right one


@dataclass
class Pages:
    runtime: IntakeRuntime
    public: httpx.AsyncClient  # no token: the console forwards the pages' calls without one
    staff: httpx.AsyncClient  # the FT window clerk

    async def code_for(self, phone: str, *, purpose: str = "report", **extra: str) -> str:
        challenge = (await self.public.post("/public/challenges")).json()
        nonce = solve(seed=challenge["seed"], difficulty_bits=challenge["difficulty_bits"])
        response = await self.public.post("/public/verification-codes", json={
            "phone": phone, "purpose": purpose, "challenge_id": challenge["challenge_id"], "nonce": nonce, **extra})
        assert response.status_code == 202, response.text
        return response.json()["verification_id"]

    async def case(self, case_id: str) -> store.Case:
        async with self.runtime.sessions() as session:
            found = await store.get_case(session, case_id=case_id)
        assert found is not None, case_id
        return found

    async def cases_of(self, phone: str) -> list[store.Case]:
        async with self.runtime.sessions() as session:
            index = self.runtime.keyring.blind_index("phone", phone)
            return await store.find_cases(session, equal={"applicant_phone_index": index})


@pytest.fixture(scope="module", params=DATABASES)
async def pages(request: pytest.FixtureRequest, broker: DevBroker, issuer: TokenIssuer,
                tmp_path_factory) -> AsyncIterator[Pages]:
    port = free_port()
    settings = IntakeSettings(
        environment="test", port=port, signing_secret=SECRET, log_level="WARNING",
        database_url=database_url(request.param, "intake_pages", tmp_path_factory.mktemp("intake_pages")),
        challenge_difficulty_bits=8, code_resend_after_s=0, challenges_per_client_per_minute=10_000,
        codes_per_client_per_hour=10_000, reports_per_client_per_hour=10_000, lookup_requests_per_minute=1000,
        reports_per_phone_per_minute=REPORTS_PER_MINUTE,
        attachments_dir=tmp_path_factory.mktemp("attachments"),
    )
    runtime = build_runtime(settings, KafkaSettings(bootstrap_servers=broker.bootstrap_servers))
    server = uvicorn.Server(uvicorn.Config(runtime.app(), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not (server.started and runtime.startup.done):
        if task.done():
            task.result()
        assert runtime.startup.failure is None, runtime.startup.state
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    clerk = issuer.headers("window_clerk", sub="clerk-ft", name="窗口 王敏", hall="FT")
    async with httpx.AsyncClient(base_url=url, timeout=10) as public, \
            httpx.AsyncClient(base_url=url, timeout=10, headers=clerk) as staff:
        yield Pages(runtime=runtime, public=public, staff=staff)
    server.should_exit = True
    await task


@pytest.fixture
async def notify(notify_settings, start_runtime):  # noqa: F811 - the fixtures imported above
    return await start_runtime(build_notify(notify_settings))


async def texted_code(receiver: HttpReceiver, phone: str, *, after: int = 0, timeout_s: float = 60) -> str:
    """The code the gateway received for `phone` (the latest, among the requests after the first `after`). The
    phone also gets the case's own notices (a reply's, say), which may arrive late on a loaded machine: skipped."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for received in reversed(receiver.requests[after:]):
            body = json.loads(received.body) if received.path.startswith("/sms/send") else {}
            if body.get("mobile") == phone and (found := re.search(r"验证码为(\d{6})", body["content"])):
                return found.group(1)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no SMS reached the gateway for {phone}")


async def publish(pages: Pages, event: DeadlineArmed, *, case_id: str) -> None:
    """Stand in for sla: its event on the real broker."""
    envelope = Envelope.wrap(event, source="sla", case_id=case_id, district="demo", hall="FT", actor="service:sla")
    key, value, headers = envelope.to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=pages.runtime.kafka.bootstrap_servers, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(SLA_EVENTS, value, key=key, headers=headers)
    finally:
        await producer.stop()


def report(phone: str, verification_id: str, code: str, **overrides: object) -> dict:
    return {"district": "demo", "problem_kind": "missing_materials", "description": "网上办理租赁备案一直提示材料不全",
            "name": "李雷", "phone": phone, "verification_id": verification_id, "code": code, "attachment_ids": [],
            **overrides}


async def test_a_citizen_reports_follows_and_rates_and_dissatisfied_reopens_the_case(
        pages: Pages, notify, http_receiver: HttpReceiver) -> None:
    districts = (await pages.public.get("/public/districts")).json()
    assert {"code": "demo", "name_zh": "演示区", "name_en": "Demo District"} in districts
    demo = (await pages.public.get("/public/districts/demo")).json()
    assert demo["halls"][0] == {"code": "FT", "name_zh": "演示区政务服务中心"}
    assert any(kind["code"] == "missing_materials" for kind in demo["problem_kinds"])

    phone = "13700001111"
    photo = await pages.public.post("/public/attachments", files={"file": ("提示页面.png", png(), "image/png")})
    assert photo.status_code == 201, photo.text
    verification = await pages.code_for(phone)
    code = await texted_code(http_receiver, phone)
    response = await pages.public.post("/public/reports", json=report(
        phone, verification, code, attachment_ids=[photo.json()["attachment_id"]]))
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["district_name_zh"] == "演示区" and made["hall_name_zh"] == "演示区政务服务中心"
    [case] = await pages.cases_of(phone)
    assert (case.case_number, case.channel, case.state) == (made["case_number"], "web", "registered")
    assert case.first_responder == "citizen:web"
    attached = (await pages.staff.get(f"/cases/{case.id}/attachments")).json()["items"]
    assert [(a["content_type"], a["stored"]) for a in attached] == [("image/png", True)]

    by_digits = await pages.public.post("/public/follow", json={"case_number": made["case_number"],
                                                                "phone_last4": "1111"})
    assert by_digits.status_code == 200, by_digits.text
    assert (by_digits.json()["state"], by_digits.json()["can_rate"]) == ("registered", False)
    assert "1111" not in by_digits.text.replace(made["case_number"], "")  # nothing personal comes back
    neither = await pages.public.post("/public/follow", json={"case_number": made["case_number"]})
    assert neither.status_code == 422 and neither.json()["errors"][0]["field"] == "phone_last4"

    reply = {"reason": "已联系房管所补录，可重新提交"}
    for action, fields in (("accept", {}), ("dispatch", {}), ("record_reply", reply)):
        assert (await pages.staff.post(f"/cases/{case.id}/actions", json={"action": action, **fields})).is_success

    promised = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # sla's case deadline, as it announces it
    await publish(pages, DeadlineArmed(subject="case", subject_id=case.id, tier="general", due_at=promised),
                  case_id=case.id)
    # Watched in intake's own table, not by asking the follow page again and again: that page is rate-limited
    # per address (20 a minute), and a loaded machine takes longer than that to deliver the event.
    deadline = time.monotonic() + 60
    while (await pages.case(case.id)).reply_due_at is None:
        assert time.monotonic() < deadline, "sla's promised date never reached the case"
        await asyncio.sleep(0.2)

    sent_before = len(http_receiver.requests)
    follow_code = await pages.code_for(phone, purpose="follow", case_number=made["case_number"])
    code = await texted_code(http_receiver, phone, after=sent_before)
    by_code = await pages.public.post("/public/follow", json={"case_number": made["case_number"],
                                                              "verification_id": follow_code, "code": code})
    assert by_code.status_code == 200, by_code.text
    followed = by_code.json()
    assert followed["state"] == "replied" and followed["can_rate"] is True
    assert datetime.fromisoformat(followed["promised_reply_by"]) == promised
    assert [reply["text"] for reply in followed["replies"]] == ["已联系房管所补录，可重新提交"]

    rated = await pages.public.post(f"/public/cases/{made['case_number']}/rating", json={
        "follow_token": followed["follow_token"], "satisfaction": "dissatisfied", "comment": "仍然提交不了"})
    assert rated.status_code == 200, rated.text
    assert rated.json()["state"] == "reopened"
    again = await pages.public.post(f"/public/cases/{made['case_number']}/rating", json={
        "follow_token": followed["follow_token"], "satisfaction": "satisfied"})
    assert again.status_code == 409, again.text


async def test_a_follow_code_for_someone_elses_phone_is_answered_alike_but_never_sent_nor_accepted(
        pages: Pages, notify, http_receiver: HttpReceiver) -> None:
    phone, stranger = "13700002222", "13700002223"
    verification = await pages.code_for(phone)
    response = await pages.public.post("/public/reports", json=report(phone, verification,
                                                                      await texted_code(http_receiver, phone)))
    number = response.json()["case_number"]
    strangers = await pages.code_for(stranger, purpose="follow", case_number=number)
    for guess in ("000000", "123456"):
        refused = await pages.public.post("/public/follow", json={"case_number": number,
                                                                  "verification_id": strangers, "code": guess})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "code"
    await asyncio.sleep(1)
    assert not [r for r in http_receiver.requests if stranger.encode() in r.body]


async def test_a_wrong_code_five_times_burns_the_verification_and_stores_nothing(
        pages: Pages, notify, http_receiver: HttpReceiver) -> None:
    phone = "13700003333"
    verification = await pages.code_for(phone)
    code = await texted_code(http_receiver, phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = []
    for _ in range(5):
        refused = await pages.public.post("/public/reports", json=report(phone, verification, wrong))
        statuses.append(refused.status_code)
        assert refused.json()["errors"][0]["field"] == "code", refused.text
    assert statuses == [422, 422, 422, 422, 410]
    burnt = await pages.public.post("/public/reports", json=report(phone, verification, code))
    assert burnt.status_code == 410 and burnt.json()["errors"][0]["field"] == "verification_id"
    assert await pages.cases_of(phone) == []


async def test_a_hundred_reports_from_one_phone_in_a_minute_are_refused_after_the_limit(
        pages: Pages, notify, http_receiver: HttpReceiver) -> None:
    phone = "13700004444"
    verification = await pages.code_for(phone)
    code = await texted_code(http_receiver, phone)
    statuses = [(await pages.public.post("/public/reports", json=report(phone, verification, code))).status_code
                for _ in range(100)]
    assert statuses[0] == 201
    assert statuses[1:REPORTS_PER_MINUTE] == [410] * (REPORTS_PER_MINUTE - 1)  # the code is spent
    assert statuses[REPORTS_PER_MINUTE:] == [429] * (100 - REPORTS_PER_MINUTE)
    assert len(await pages.cases_of(phone)) == 1


async def test_no_code_is_sent_without_a_solved_unspent_proof_of_work(pages: Pages) -> None:
    body = {"phone": "13700005555", "purpose": "report"}
    missing = await pages.public.post("/public/verification-codes", json=body)
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} >= {"challenge_id", "nonce"}
    challenge = (await pages.public.post("/public/challenges")).json()
    nonce = solve(seed=challenge["seed"], difficulty_bits=challenge["difficulty_bits"])
    wrong_nonce = next(str(n) for n in range(1000) if str(n) != nonce and not _holds(challenge, str(n)))
    wrong = await pages.public.post("/public/verification-codes", json={
        **body, "challenge_id": challenge["challenge_id"], "nonce": wrong_nonce})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "nonce"
    spent = await pages.public.post("/public/verification-codes", json={  # the wrong try spent nothing
        **body, "challenge_id": challenge["challenge_id"], "nonce": nonce})
    assert spent.status_code == 202, spent.text
    reused = await pages.public.post("/public/verification-codes", json={
        **body, "challenge_id": challenge["challenge_id"], "nonce": nonce})
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "nonce"


def _holds(challenge: dict, nonce: str) -> bool:
    return proof_holds(seed=challenge["seed"], nonce=nonce, difficulty_bits=challenge["difficulty_bits"])


async def test_an_unknown_district_or_problem_kind_is_refused_naming_the_field(
        pages: Pages, notify, http_receiver: HttpReceiver) -> None:
    phone = "13700006666"
    verification = await pages.code_for(phone)
    code = await texted_code(http_receiver, phone)
    district = await pages.public.post("/public/reports", json=report(phone, verification, code, district="atlantis"))
    assert district.status_code == 422 and district.json()["errors"][0]["field"] == "district"
    assert district.json()["zh"] and district.json()["en"]
    kind = await pages.public.post("/public/reports", json=report(phone, verification, code, problem_kind="ufo"))
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "problem_kind"
    assert (await pages.public.get("/public/districts/atlantis")).status_code == 422
    assert await pages.cases_of(phone) == []
    # The code was not spent by refused reports: the right one still registers.
    assert (await pages.public.post("/public/reports", json=report(phone, verification, code))).status_code == 201


async def test_a_report_from_a_hall_s_kiosk_is_registered_on_the_terminal_channel(
        pages: Pages, notify, http_receiver: HttpReceiver) -> None:
    phone = "13700008888"
    verification = await pages.code_for(phone)
    code = await texted_code(http_receiver, phone)
    unknown = await pages.public.post("/public/reports", json=report(phone, verification, code, channel="fax"))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "channel"
    made = await pages.public.post("/public/reports", json=report(phone, verification, code, channel="terminal"))
    assert made.status_code == 201, made.text
    [case] = await pages.cases_of(phone)
    assert (case.case_number, case.channel) == (made.json()["case_number"], "terminal")


async def test_a_large_body_is_refused_before_it_is_read(pages: Pages) -> None:
    big = report("13700007777", "v", "123456", description="材料" * 40_000)
    refused = await pages.public.post("/public/reports", json=big)
    assert refused.status_code == 413 and refused.json()["zh"].startswith("请求内容过大")
