"""Notify's settings (env prefix BANCHENG_NOTIFY_)."""

from functools import cache
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import REPO_ROOT, ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_NOTIFY_")

    service_name: str = "notify"
    port: int = 8104
    file_sink: Path = REPO_ROOT / "var" / "notify-file-sink.jsonl"  # the development channel


@cache
def get_settings() -> NotifySettings:
    return NotifySettings()
