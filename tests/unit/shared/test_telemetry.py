"""Logs are JSON lines and never show ID numbers, phone numbers or e-mail addresses (see test_masking)."""

import json
import logging

from shared.telemetry import JsonFormatter


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
