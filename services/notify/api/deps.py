"""What notify's routes depend on, as typed `Annotated` aliases: the runtime, its settings as built, and the
templates and rules those settings name."""

from typing import Annotated, cast

from fastapi import Depends

from shared.health import RuntimeDep
from services.notify.config import NotifySettings
from services.notify.domain.config_files import NotifyConfig, config_at

__all__ = ["ConfigDep", "RuntimeDep", "SettingsDep"]


async def get_settings(runtime: RuntimeDep) -> NotifySettings:
    """The settings the runtime was built with."""
    return cast(NotifySettings, runtime.settings)


SettingsDep = Annotated[NotifySettings, Depends(get_settings)]


async def get_config(settings: SettingsDep) -> NotifyConfig:
    return config_at(settings.data_dir, settings.districts_dir)


ConfigDep = Annotated[NotifyConfig, Depends(get_config)]
