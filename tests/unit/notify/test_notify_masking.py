import logging

import pytest

from services.notify.domain.addresses import address_problem
from services.notify.domain.masking import (
    PersonalDataFilter, mask_email, mask_id_number, mask_name, mask_phone, mask_text,
)
from services.notify.domain.model import ChannelName


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李")])
def test_name_keeps_only_the_first_character(name, masked):
    assert mask_name(name) == masked


def test_id_numbers_of_both_generations_are_masked():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("110105491231002") == "110********1002"


def test_free_text_is_scrubbed_of_phones_id_numbers_and_emails():
    text = "张三 13812345678 身份证 11010519491231002X 旧证 110105491231002 邮箱 zhang.san@example.com"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "11010519491231002X" not in masked and "110***********002X" in masked
    assert "110105491231002" not in masked
    assert "zhang.san@" not in masked and "z***@example.com" in masked


def test_email_keeps_first_letter_and_domain():
    assert mask_email("zhang.san@example.com") == "z***@example.com"


def test_log_records_are_scrubbed_before_any_handler_sees_them(caplog):
    logger = logging.getLogger("notify-test-masking")
    logger.addFilter(PersonalDataFilter())
    with caplog.at_level(logging.INFO, logger="notify-test-masking"):
        logger.info("sending to %s", "13812345678")
    assert caplog.messages == ["sending to 138****5678"]


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
