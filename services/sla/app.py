"""The SLA service's composition root: settings → rules and clock → runtime (bus, database, consumers,
the deadline sweeper) → HTTP app. The test clock route exists only when environment=test."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.sla import api, calendar_api, test_clock_api
from services.sla.config import get_settings
from services.sla.context import install
from services.sla.gauges import publish_sla_gauges
from services.sla.handlers import consumer
from services.sla.sweeper import sweep_deadlines


def build_runtime() -> Runtime:
    settings = get_settings()
    install(settings)
    routers = [api.router, calendar_api.router]
    if settings.environment == "test":
        routers.append(test_clock_api.router)
    return Runtime(
        settings=settings,
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer],
        routers=routers,
        background=[sweep_deadlines, publish_sla_gauges],
        title="Bancheng SLA (时限)",
        description="Deadlines in working days, warnings, yellow/red cards and supervision (督办).",
    )
