"""Routing's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.routing import api
from services.routing.config import RoutingSettings, get_settings
from services.routing.handlers import subscribers
from services.routing.metrics import publish_routing_gauges


def build_runtime(settings: RoutingSettings | None = None) -> Runtime:
    return Runtime(
        settings=settings or get_settings(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=subscribers(),
        routers=api.routers(),
        background=[publish_routing_gauges],
        title="Bancheng routing (转办)",
        description="Turns cases into work orders for the right departments and keeps them moving.",
    )
