"""The citizen's contact in notify: opened from the contacts topic with the transport key, delivered to
the real phone and e-mail, and kept sealed in notify's database."""

import json
import os
from pathlib import Path

from sqlalchemy import text

from shared.events import case
from shared.events.notification import NotificationRequested, RequestedMessage, seal_message
from shared.personal_data import Key, Keyring
from shared.topics import CASE_CONTACTS, CASE_EVENTS, channel_topic, dead_letter_topic
from services.notify.app import build_runtime

from .conftest import CaseScript, settled, wait_records

NAME, PHONE, EMAIL = "司马相如", "13711112222", "sima.xiangru@example.cn"


async def test_a_sealed_contact_is_delivered_in_clear_and_stored_sealed(
    notify_settings, start_runtime, producer, http_receiver, smtp_server
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    number = f"BC-{life.case_id[-6:]}"
    await life.publish(CASE_CONTACTS, life.contact(case_number=number, name=NAME, phone=PHONE, email=EMAIL))
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number=number, hall="FT", channel="walk_in", problem_kind="policy", description="政策咨询",
        applicant_kind="person", applicant_masked="司**", green_channel=True))

    rows = await settled(runtime, life.case_id, count=2)

    assert {(r.channel, r.state) for r in rows} == {("sms", "delivered"), ("email", "delivered")}
    sms = [json.loads(r.body) for r in http_receiver.requests if r.path == "/sms/send" and number in r.body.decode()]
    assert [s["mobile"] for s in sms] == [PHONE]
    assert any(EMAIL in recipients for recipients, _content in smtp_server[1].envelopes)
    async with runtime.engine.connect() as connection:
        contact = (await connection.execute(text("SELECT name, phone, email FROM citizencontact WHERE case_id = :id"),
                                            {"id": life.case_id})).one()
        requests = (await connection.execute(text("SELECT request FROM delivery WHERE case_id = :id"),
                                             {"id": life.case_id})).scalars().all()
    assert all(value.startswith("v1:dev:") for value in (*contact, *requests))
    path = Path(notify_settings.database_url.split("///", 1)[1])
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert PHONE.encode() not in stored and NAME.encode() not in stored and EMAIL.encode() not in stored


async def test_a_contact_sealed_under_a_key_notify_lacks_is_dead_lettered_without_its_values(
    notify_settings, start_runtime, producer, broker
):
    await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    stranger = Keyring([Key("elsewhere", "aes256", os.urandom(32))], current="elsewhere", index_key=os.urandom(32))
    sealed = case.seal_contact(stranger, case_id=life.case_id, case_number="BC-1",
                               contact=case.Contact(name=NAME, phone=PHONE))
    await life.publish(CASE_CONTACTS, sealed)

    (parked, headers), *_ = await wait_records(broker, dead_letter_topic("notify"), life.case_id, count=1, timeout_s=30)

    assert "no key 'elsewhere'" in headers["dlq_reason"] and PHONE not in headers["dlq_reason"]
    assert parked.type == case.CaseContactRecorded.type



async def test_a_request_whose_message_notify_cannot_open_fails_with_the_key_named_and_holds_up_nothing(
    notify_settings, start_runtime, producer, http_receiver
):
    runtime = await start_runtime(build_runtime(notify_settings))
    life = CaseScript(producer)
    stranger = Keyring([Key("elsewhere", "aes256", os.urandom(32))], current="elsewhere", index_key=os.urandom(32))
    message = RequestedMessage(address=http_receiver.url("/webhook/x"), subject="s", body="b")
    unopenable = NotificationRequested(
        delivery_id=f"{life.case_id}-stranger", channel="webhook", recipient="department:market", template="t",
        sealed_message=seal_message(stranger, message, delivery_id=f"{life.case_id}-stranger"), trigger_event_id="e-1")
    await life.publish(channel_topic("webhook"), life.envelope(unopenable, "notify"))
    await life.publish(CASE_CONTACTS, life.contact(case_number="BC-2", name=NAME, phone=PHONE))
    await life.publish(CASE_EVENTS, case.CaseRegistered(
        case_number="BC-2", hall="FT", channel="walk_in", problem_kind="policy", description="政策咨询",
        applicant_kind="person", applicant_masked="司**", green_channel=True))

    rows = {row.channel: row for row in await settled(runtime, life.case_id, count=2)}

    assert rows["webhook"].state == "failed" and "no key 'elsewhere'" in rows["webhook"].last_error
    assert rows["sms"].state == "delivered"
