"""The SLA service's settings (env prefix BANCHENG_SLA_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_SLA_")

    service_name: str = "sla"
    port: int = 8103


def get_settings() -> SlaSettings:
    return SlaSettings()
