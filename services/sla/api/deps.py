"""What sla's routes depend on, as typed `Annotated` aliases: the runtime as built, its settings, rules and clock."""

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from services.sla.config import SlaSettings
from services.sla.domain.rules import Rules
from services.sla.workers import Clock

if TYPE_CHECKING:
    from services.sla.app import SlaRuntime


async def get_sla_runtime(request: Request) -> "SlaRuntime":
    # async: FastAPI runs a sync dependency in its thread pool, a thread hop per request.
    return request.app.state.runtime


SlaRuntimeDep = Annotated["SlaRuntime", Depends(get_sla_runtime)]


async def get_settings(runtime: SlaRuntimeDep) -> SlaSettings:
    return runtime.settings


async def get_rules(runtime: SlaRuntimeDep) -> Rules:
    """The rules in force now: a calendar reload replaces them on the runtime."""
    return runtime.rules


async def get_clock(runtime: SlaRuntimeDep) -> Clock:
    return runtime.clock


SettingsDep = Annotated[SlaSettings, Depends(get_settings)]
RulesDep = Annotated[Rules, Depends(get_rules)]
ClockDep = Annotated[Clock, Depends(get_clock)]
