"""Tracing and logging: one tracer provider per process, and logs that never show personal data."""

import json
import logging
import re
from datetime import UTC, datetime

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

# Resident ID numbers (18 or 15 digits), mainland mobile numbers, and e-mail addresses.
_PATTERNS = (
    (re.compile(r"(?<![\dA-Za-z])(\d{3})\d{8,11}(\d{3}[\dXx])(?![\dA-Za-z])"), r"\1***********\2"),
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    (re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.[\w.-]+)"), r"\1***@\2"),
)


def mask_personal_data(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line, personal data masked in the message and any traceback."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "service": self.service,
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = mask_personal_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def create_tracer_provider(service: str) -> TracerProvider:
    """Spans are recorded and their context crosses Kafka in headers; attach an exporter in deployment."""
    return TracerProvider(resource=Resource.create({"service.name": f"bancheng-{service}"}))
