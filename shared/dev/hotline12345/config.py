"""The simulator's settings (env prefix BANCHENG_HOTLINE12345_)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import DEV_SECRET, REPO_ROOT


class SimulatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_HOTLINE12345_")

    host: str = "127.0.0.1"
    port: int = 8110
    # Shared with intake (its BANCHENG_INTAKE_SIGNING_SECRET) and with notify's 12345 channel.
    secret: str = DEV_SECRET
    intake_url: str = "http://127.0.0.1:8101"
    database_path: Path = REPO_ROOT / "var" / "hotline12345.db"
    tolerance_s: float = 300.0


def get_settings() -> SimulatorSettings:
    return SimulatorSettings()
