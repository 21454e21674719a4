"""The SLA service's composition root: settings → rules and clock → runtime (bus, database, consumers,
the deadline sweeper) → HTTP app. The test clock route exists only when environment=test."""

from dataclasses import dataclass
from pathlib import Path

from shared.consuming import Unit
from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.sla import api, handlers
from services.sla.config import SlaSettings, get_settings
from services.sla.domain.rules import Rules
from services.sla.metrics import publish_sla_gauges
from services.sla.store.calendar import announce_overrides
from services.sla.workers import Clock, sweep_deadlines


@dataclass(kw_only=True)
class SlaRuntime(Runtime):
    """The runtime with what sla's handlers, sweeper and routes share: the rules (a calendar reload replaces
    them) and the sweeper's clock."""

    settings: SlaSettings
    rules: Rules
    clock: Clock


async def announce_calendar(runtime: SlaRuntime) -> None:
    """At each start: routing counts with the overrides this process read, even if it missed a reload."""
    async with runtime.sessions() as session, session.begin():
        unit = Unit(session=session, service=runtime.name)
        await announce_overrides(unit, runtime.rules.overrides)


def build_runtime(settings: SlaSettings | None = None) -> SlaRuntime:
    settings = settings or get_settings()
    return SlaRuntime(
        settings=settings,
        # Raises ValueError on a bad policy or overrides file: the process does not start on it.
        rules=Rules.load(packs_dir=settings.districts_dir, overrides_path=settings.calendar_overrides_path),
        clock=Clock(offset_s=settings.clock_offset_s, movable=settings.environment == "test"),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        subscribers=handlers.subscribers,
        routers=api.routers(settings),
        background=[sweep_deadlines, publish_sla_gauges, handlers.follow_district_packs],
        on_start=[announce_calendar],
        title="Bancheng SLA (时限)",
        description="Deadlines in working days, warnings, yellow/red cards and supervision (督办).",
    )
