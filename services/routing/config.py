"""Routing's settings (env prefix BANCHENG_ROUTING_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_ROUTING_")

    service_name: str = "routing"
    port: int = 8102


def get_settings() -> RoutingSettings:
    return RoutingSettings()
