"""A citizen's SMS verification code: planned at once to the phone it names, on the district's channel for it."""

from datetime import UTC, datetime, timedelta

from shared.districts import packs_dir
from shared.envelope import Envelope
from shared.events.case import VerificationCodeRequested, seal_code
from shared.personal_data import get_keyring
from services.notify.domain.compose import compose
from services.notify.domain.config_files import NotifyConfig, load_notify_config
from services.notify.domain.model import ChannelName
from services.notify.store.planning import code_deliveries

KEYRING = get_keyring(environment="test")


def code_request(district: str, *, at: datetime) -> Envelope:
    event = VerificationCodeRequested(purpose="report", expires_at=at + timedelta(minutes=5),
                                      sealed_code=seal_code(KEYRING, verification_id="v-1", phone="13800001234",
                                                            code="482913"))
    envelope = Envelope.wrap(event, source="intake", case_id="v-1", district=district, actor="citizen:web")
    return envelope.model_copy(update={"occurred_at": at})


def test_a_code_goes_by_sms_at_once_even_in_quiet_hours(config: NotifyConfig) -> None:
    night = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai: the test district's SMS quiet hours
    [planned] = code_deliveries(code_request("demo", at=night), config, KEYRING)
    delivery = planned.delivery
    assert (delivery.channel, delivery.address) == (ChannelName.sms, "13800001234")
    assert delivery.recipient_id == "citizen:v-1"
    assert delivery.not_before <= datetime.now(UTC)
    message = compose(delivery, templates=config.templates)
    assert message.text.startswith("【办成】您的验证码为482913，5分钟内有效。")


def test_a_report_code_without_a_district_still_goes_by_sms(config: NotifyConfig) -> None:
    [planned] = code_deliveries(code_request("", at=datetime.now(UTC)), config, KEYRING)
    assert planned.delivery.channel is ChannelName.sms


def test_the_shipped_demo_district_sends_its_codes_to_the_file_sink() -> None:
    shipped = load_notify_config(packs_dir=packs_dir())
    [planned] = code_deliveries(code_request("demo", at=datetime.now(UTC)), shipped, KEYRING)
    assert planned.delivery.channel is ChannelName.file
