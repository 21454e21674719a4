"""Audit's settings (env prefix BANCHENG_AUDIT_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_AUDIT_")

    service_name: str = "audit"
    port: int = 8105


def get_settings() -> AuditSettings:
    return AuditSettings()
