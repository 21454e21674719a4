"""What the handlers, the sweeper and the routes share in one process: the rules and the clock.

Handlers are plain functions registered at import, so they reach these through `current()`;
the composition root installs them (tests install their own).
"""

from dataclasses import dataclass

from services.sla.calendars import Rules
from services.sla.clock import Clock
from services.sla.config import SlaSettings


@dataclass
class SlaContext:
    settings: SlaSettings
    rules: Rules
    clock: Clock


_installed: SlaContext | None = None


def install(settings: SlaSettings) -> SlaContext:
    """Load the rules (raises ValueError on a bad policy or overrides file) and make them current."""
    global _installed
    rules = Rules.load(packs_dir=settings.districts_dir, overrides_path=settings.calendar_overrides_path)
    clock = Clock(offset_s=settings.clock_offset_s, movable=settings.environment == "test")
    _installed = SlaContext(settings=settings, rules=rules, clock=clock)
    return _installed


def current() -> SlaContext:
    if _installed is None:
        raise RuntimeError("the SLA context is not installed; build_runtime() installs it")
    return _installed
