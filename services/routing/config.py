"""Routing's settings (env prefix BANCHENG_ROUTING_)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.districts import packs_dir
from shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_ROUTING_")

    service_name: str = "routing"
    port: int = 8102
    districts_dir: Path = Field(default_factory=packs_dir)


def get_settings() -> RoutingSettings:
    return RoutingSettings()
