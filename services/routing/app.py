"""Routing's composition root: settings → catalogues and suggestions → runtime (bus, database, consumers) → HTTP app."""

from dataclasses import dataclass
from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.routing import api, handlers
from services.routing.config import RoutingSettings, get_settings
from services.routing.metrics import publish_routing_gauges
from services.routing.store.catalogues import Catalogues
from services.routing.store.suggestions import Suggestions


@dataclass(kw_only=True)
class RoutingRuntime(Runtime):
    """The runtime with what routing's handlers and routes share: the catalogues in force (compiled per version)
    and the similar-case index."""

    settings: RoutingSettings
    catalogues: Catalogues
    suggestions: Suggestions


def build_runtime(settings: RoutingSettings | None = None) -> RoutingRuntime:
    settings = settings or get_settings()
    return RoutingRuntime(
        settings=settings,
        catalogues=Catalogues(settings.districts_dir),  # a bad district pack stops the start, naming the fault
        suggestions=Suggestions(),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        subscribers=handlers.subscribers,
        routers=api.routers(),
        background=[publish_routing_gauges, handlers.follow_district_packs],
        title="Bancheng routing (转办)",
        description="Turns cases into work orders for the right departments and keeps them moving.",
    )
