"""Bad input is recorded with its reason: never a crash, never a silent drop."""

import httpx

from shared.events import case
from shared.topics import CASE_CONTACTS, CASE_EVENTS, NOTIFY_RESULTS
from services.notify.app import build_runtime
from tests.unit.notify.conftest import Reply

from .conftest import CaseScript, settled, wait_records
from .test_notify_delivery_holds import WEBHOOK, register_and_dispatch


async def registered_with_contact(life: CaseScript, *, hall: str, phone: str, email: str) -> None:
    number = f"BC-{life.case_id[-6:]}"
    await life.publish(CASE_CONTACTS, life.contact(case_number=number, name="赵六", phone=phone, email=email))
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall=hall, channel="walk_in", problem_kind="policy", description="政策咨询",
        applicant_kind="person", applicant_masked="赵*", green_channel=True))


async def test_a_missing_template_variable_a_malformed_address_and_a_provider_4xx_are_recorded_with_reasons(
    notify_settings, start_runtime, producer, http_receiver, broker
):
    unknown_hall, malformed, refused = CaseScript(producer, hall="HALL-99"), CaseScript(producer), CaseScript(producer)
    http_receiver.script(WEBHOOK, Reply(status=400, body=b'{"error":"unknown department"}',
                                        when_body_has=f"BC-{refused.case_id[-6:]}".encode()))
    runtime = await start_runtime(build_runtime(notify_settings))
    await registered_with_contact(unknown_hall, hall="HALL-99", phone="13900002222", email="zl@example.cn")
    await registered_with_contact(malformed, hall="FT", phone="12345", email="zhao.liu-at-example.cn")
    await register_and_dispatch(refused)

    # HALL-99 has no window desk on file, so the tracking card lacks its contact line.
    reasons = {(r.channel, r.state, r.last_error) for r in await settled(runtime, unknown_hall.case_id, count=2)}
    assert reasons == {(channel, "failed", "template 'case_registered_citizen': missing variable 'contact'")
                       for channel in ("sms", "email")}
    reasons = {r.channel: (r.state, r.last_error) for r in await settled(runtime, malformed.case_id, count=2)}
    assert reasons == {"sms": ("failed", "malformed mobile number ***45"),
                       "email": ("failed", "malformed e-mail address z***")}
    rows = {r.channel: r for r in await settled(runtime, refused.case_id, count=3)}
    assert (rows["webhook"].state, rows["webhook"].attempts) == ("failed", 1)
    assert rows["webhook"].last_error == 'HTTP 400: {"error":"unknown department"}'
    assert rows["wecom"].state == rows["email"].state == "delivered"  # the rest of the event went on
    for script, count in ((unknown_hall, 2), (malformed, 2), (refused, 3)):
        results = await wait_records(broker, NOTIFY_RESULTS, script.case_id, count=count)
        failures = {e.data["delivery_id"]: e.data["reason"] for e, _ in results if e.type == "notify.failed"}
        recorded = {
            r.delivery_id: r.last_error
            for r in await settled(runtime, script.case_id, count=count)
            if r.state == "failed"
        }
        assert failures == recorded


async def test_templates_are_previewable_over_http_with_field_level_errors(notify_settings, issuer):
    app = build_runtime(notify_settings).app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify",
                                 headers=issuer.headers("district_admin")) as client:
        names = (await client.get("/templates")).json()
        shown = await client.post("/templates/case_accepted_citizen/preview?channel=sms",
                                  json={"variables": {"case_number": "FT-20261121-0042"}})
        unknown = await client.post("/templates/case_accepted_citizen/preview", json={"variables": {"nickname": "x"}})
        missing = await client.post("/templates/no_such_template/preview", json={})

    assert "case_accepted_citizen" in names["templates"] and "deadline" in names["variables"]
    assert shown.status_code == 200
    assert shown.json()["text"].startswith("【办成】编号FT-20261121-0042已受理")
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "variables.nickname", "zh": "未声明的模板变量 nickname",
                                         "en": "undeclared template variable 'nickname'"}]
    assert missing.status_code == 404 and "no_such_template" in missing.json()["en"]
