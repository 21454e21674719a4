"""Intake's settings (env prefix BANCHENG_INTAKE_)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_INTAKE_")

    service_name: str = "intake"
    port: int = 8101


def get_settings() -> IntakeSettings:
    return IntakeSettings()
