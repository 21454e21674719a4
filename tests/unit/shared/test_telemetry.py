"""Logs are JSON lines and never show ID numbers, phone numbers or e-mail addresses."""

import json
import logging

from shared.telemetry import JsonFormatter, mask_personal_data


def test_resident_id_phone_and_email_are_masked() -> None:
    text = "申请人 11010519491231002X 电话 13812345678 邮箱 zhang.san@example.com 旧证 110105491231002"
    masked = mask_personal_data(text)
    assert "11010519491231002X" not in masked and "110***********002X" in masked
    assert "13812345678" not in masked and "138****5678" in masked
    assert "zhang.san@" not in masked and "z***@example.com" in masked
    assert "110105491231002" not in masked


def test_log_record_becomes_one_masked_json_line_with_its_traceback() -> None:
    try:
        raise ValueError("bad phone 13812345678")
    except ValueError:
        record = logging.LogRecord("intake", logging.ERROR, __file__, 1, "call %s failed", ("13900001111",), None)
        record.exc_info = __import__("sys").exc_info()
    line = JsonFormatter("intake").format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["service"] == "intake" and entry["level"] == "ERROR" and entry["logger"] == "intake"
    assert entry["message"] == "call 139****1111 failed"
    assert "138****5678" in entry["exception"] and "13812345678" not in entry["exception"]
