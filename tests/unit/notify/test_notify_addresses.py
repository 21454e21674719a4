import pytest

from services.notify.domain.addresses import address_problem
from services.notify.domain.model import ChannelName


@pytest.mark.parametrize(
    ("channel", "address", "reason"),
    [
        (ChannelName.sms, "1381234567", "malformed mobile number"),
        (ChannelName.sms, "23812345678", "malformed mobile number"),
        (ChannelName.email, "zhang.example.com", "malformed e-mail address"),
        (ChannelName.email, "zhang@@example.com", "malformed e-mail address"),
        (ChannelName.webhook, "ftp://example.com/hook", "malformed URL"),
        (ChannelName.wecom, "not a url", "malformed URL"),
        (ChannelName.hotline_12345, "GD 2026/1", "malformed 12345 ticket id"),
        (ChannelName.email, None, "no email address on file"),
    ],
)
def test_malformed_address_is_named_as_the_reason(channel, address, reason):
    assert reason in address_problem(channel, address)


def test_reason_for_a_malformed_phone_does_not_leak_it():
    assert "1381234567" not in address_problem(ChannelName.sms, "1381234567x")


@pytest.mark.parametrize(
    ("channel", "address"),
    [
        (ChannelName.sms, "+8613812345678"),
        (ChannelName.email, "zjj@bancheng.example"),
        (ChannelName.dingtalk, "https://oapi.dingtalk.com/robot/send?access_token=abc"),
        (ChannelName.hotline_12345, "GD-2026-112233"),
    ],
)
def test_well_formed_addresses_pass(channel, address):
    assert address_problem(channel, address) is None
