"""Audit's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.audit.api import router
from services.audit.config import get_settings
from services.audit.handlers import consumer


def build_runtime() -> Runtime:
    return Runtime(
        settings=get_settings(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer],
        routers=[router],
        title="Bancheng audit (审计)",
        description="The tamper-evident log of every event, and the read model.",
    )
