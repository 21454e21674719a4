"""What sla's routes depend on, as typed `Annotated` aliases: the runtime as built, its settings, rules and clock."""

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from shared.health import get_runtime
from services.sla.config import SlaSettings
from services.sla.domain.rules import Rules
from services.sla.workers import Clock

if TYPE_CHECKING:
    from services.sla.app import SlaRuntime


RuntimeDep = Annotated["SlaRuntime", Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> SlaSettings:
    return runtime.settings


async def get_rules(runtime: RuntimeDep) -> Rules:
    """The rules in force now: a calendar reload replaces them on the runtime."""
    return runtime.rules


async def get_clock(runtime: RuntimeDep) -> Clock:
    return runtime.clock


SettingsDep = Annotated[SlaSettings, Depends(get_settings)]
RulesDep = Annotated[Rules, Depends(get_rules)]
ClockDep = Annotated[Clock, Depends(get_clock)]
