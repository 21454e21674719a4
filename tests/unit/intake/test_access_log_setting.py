"""uvicorn's access log stays on by default; BANCHENG_INTAKE_ACCESS_LOG=false drops its lines."""

import logging
from collections.abc import Iterator

import pytest

from services.intake.app import drop_access_log
from services.intake.config import IntakeSettings


@pytest.fixture
def access_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("uvicorn.access")
    level = logger.level
    logger.setLevel(logging.INFO)  # as uvicorn's logging config leaves it
    yield logger
    logger.setLevel(level)


def test_the_access_log_is_on_unless_the_environment_turns_it_off(monkeypatch) -> None:
    assert IntakeSettings().access_log is True
    monkeypatch.setenv("BANCHENG_INTAKE_ACCESS_LOG", "false")
    assert IntakeSettings().access_log is False


def test_dropping_the_access_log_stops_uvicorn_request_lines_but_not_its_warnings(access_logger, caplog) -> None:
    drop_access_log()

    with caplog.at_level(logging.NOTSET):
        access_logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5555", "POST", "/cases", "1.1", 201)
        access_logger.warning("still said")

    assert [record.getMessage() for record in caplog.records if record.name == "uvicorn.access"] == ["still said"]
