"""Routing's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.routing import api, api_catalogue, api_triage
from services.routing.config import get_settings
from services.routing.gauges import publish_routing_gauges
from services.routing.handlers import commands, consumer


def build_runtime() -> Runtime:
    return Runtime(
        settings=get_settings(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer, commands],
        routers=[api.router, api_triage.router, api_catalogue.router],
        background=[publish_routing_gauges],
        title="Bancheng routing (转办)",
        description="Turns cases into work orders for the right departments and keeps them moving.",
    )
