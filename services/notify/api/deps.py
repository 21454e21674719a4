"""What notify's routes depend on, as typed `Annotated` aliases: the runtime as built, its settings, and the
templates and rules it plans by."""

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from shared.health import get_runtime
from shared.problems import not_found
from services.notify.config import NotifySettings
from services.notify.domain.config_files import NotifyConfig

if TYPE_CHECKING:
    from services.notify.app import NotifyRuntime

__all__ = ["ConfigDep", "RuntimeDep", "SettingsDep"]

RuntimeDep = Annotated["NotifyRuntime", Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> NotifySettings:
    """The settings the runtime was built with."""
    return runtime.settings


async def get_config(runtime: RuntimeDep) -> NotifyConfig:
    """The planner's rules and templates; a channel-worker process has none (404: ask the planner's process)."""
    if runtime.config is None:
        raise not_found(zh="本进程只运行通知渠道，模板见通知规划进程", en="this process runs channel workers only: "
                        "templates are served by the planner's process")
    return runtime.config


SettingsDep = Annotated[NotifySettings, Depends(get_settings)]
ConfigDep = Annotated[NotifyConfig, Depends(get_config)]
