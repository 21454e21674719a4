"""The SLA service's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.sla.api import router
from services.sla.config import get_settings
from services.sla.handlers import consumer


def build_runtime() -> Runtime:
    return Runtime(
        settings=get_settings(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer],
        routers=[router],
        title="Bancheng SLA (时限)",
        description="Deadlines in working days, warnings and yellow/red cards.",
    )
