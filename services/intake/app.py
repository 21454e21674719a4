"""Intake's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.intake.api import router
from services.intake.config import get_settings
from services.intake.handlers import consumer


def build_runtime() -> Runtime:
    return Runtime(
        settings=get_settings(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer],
        routers=[router],
        title="Bancheng intake (受理)",
        description="Registers cases from every channel and follows them through the closed loop.",
    )

