"""One masking for every service: names, phones, ID numbers and e-mail addresses show only a hint."""

import pytest

from shared.masking import mask_email, mask_id_number, mask_name, mask_phone, mask_text


def test_resident_ids_of_both_generations_keep_region_start_and_last_four() -> None:
    assert mask_id_number("110105199001011234") == "110***********1234"
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_id_number("110105491231002") == "110********1002"


def test_short_document_numbers_keep_only_two_characters() -> None:
    assert mask_id_number("E1234567") == "******67"


def test_mobile_and_landline_are_masked_in_the_middle() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("0755-86123456") == "0755-****3456"


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "*")])
def test_names_keep_only_their_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_email_keeps_first_letter_and_domain() -> None:
    assert mask_email("zhang.san@example.com") == "z***@example.com"


def test_free_text_is_scrubbed_of_phones_id_numbers_and_emails() -> None:
    text = "张三 13812345678 身份证 11010519491231002X 旧证 110105491231002 邮箱 zhang.san@example.com"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "11010519491231002X" not in masked and "110***********002X" in masked
    assert "110105491231002" not in masked
    assert "zhang.san@" not in masked and "z***@example.com" in masked
