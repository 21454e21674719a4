"""Notify's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.notify.api import router
from services.notify.config import get_settings
from services.notify.handlers import consumer, file_worker


def build_runtime() -> Runtime:
    return Runtime(
        settings=get_settings(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer, file_worker],
        routers=[router],
        title="Bancheng notify (通知)",
        description="Who must hear what, on which channel.",
    )
