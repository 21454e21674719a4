"""What routing's routes depend on, as typed `Annotated` aliases: the runtime as built and its settings."""

from typing import Annotated

from fastapi import Depends

from shared.health import RuntimeDep
from services.routing.config import RoutingSettings


async def get_settings(runtime: RuntimeDep) -> RoutingSettings:
    """The settings the runtime was built with (tests build it with their own)."""
    return runtime.settings  # type: ignore[return-value]  # Runtime types settings as the shared base class; this service built it with its own


SettingsDep = Annotated[RoutingSettings, Depends(get_settings)]

__all__ = ["RuntimeDep", "SettingsDep"]
