"""Tracing and logging: one tracer provider per process, and logs that never show personal data."""

import logging
import re

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

# Resident ID numbers (18 or 15 digits), mainland mobile numbers, and e-mail addresses.
_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{6})\d{8,11}([\dXx]{1})(?!\d)"), r"\1********\2"),
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    (re.compile(r"([\w.+-])[\w.+-]*@([\w-]+\.[\w.-]+)"), r"\1***@\2"),
)


def mask_personal_data(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(super().format(record))


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def create_tracer_provider(service: str) -> TracerProvider:
    """Spans are recorded and their context crosses Kafka in headers; attach an exporter in deployment."""
    return TracerProvider(resource=Resource.create({"service.name": f"bancheng-{service}"}))
