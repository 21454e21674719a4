"""The SLA service's settings (env prefix BANCHENG_SLA_)."""

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.districts import packs_dir
from shared.settings import ServiceSettings
from shared.working_days import SHIPPED_OVERRIDES


class SlaSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_SLA_")

    service_name: str = "sla"
    port: int = 8103
    # The district packs (shared/districts): BANCHENG_DISTRICTS_DIR, as every service reads them.
    districts_dir: Path = Field(default_factory=packs_dir)
    # Operator-editable working-day overrides; POST /calendar/reload re-reads it.
    calendar_overrides_path: Path = SHIPPED_OVERRIDES
    # The sweeper looks for due timers this often; the firing lag is at most about this.
    sweep_interval_s: float = 0.5
    sweep_batch: int = 500
    # Test-only: the sweeper's "now" is the real time plus this offset (and PUT /test/clock moves it).
    # Refused outside environment=test, so production always fires on the real clock.
    clock_offset_s: float = 0.0

    @model_validator(mode="after")
    def _clock_moves_only_in_tests(self) -> "SlaSettings":
        if self.clock_offset_s and self.environment != "test":
            raise ValueError("clock_offset_s may be set only when environment=test")
        return self


def get_settings() -> SlaSettings:
    return SlaSettings()
