"""Intake's settings (env prefix BANCHENG_INTAKE_) and its district configuration."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.districts import packs_dir
from shared.settings import ServiceSettings
from services.intake.domain.districts import DistrictCatalogue, load_district_catalogue


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_INTAKE_")

    service_name: str = "intake"
    port: int = 8101
    # The district packs (shared/districts): BANCHENG_DISTRICTS_DIR, as every service reads them.
    districts_dir: Path = Field(default_factory=packs_dir)
    # The citizen's status lookup (no login): per client address, and wrong answers per case.
    lookup_requests_per_minute: int = 20
    lookup_failures_per_case: int = 5
    lookup_failure_window_s: float = 900.0
    # How long an Idempotency-Key is remembered, and the 12345 webhook's replay window.
    idempotency_ttl_hours: float = 24.0
    webhook_tolerance_s: float = 300.0
    # uvicorn's line per request (BANCHENG_INTAKE_ACCESS_LOG=false drops it): a small part of a
    # registration's CPU (docs/performance.md); off only where a proxy in front logs the requests.
    access_log: bool = True
    # The window where the applicant comes back, printed on the tracking card (一跟到底).
    handling_window: str = "“办不成事”反映窗口"
    # The citizen's status page (进度查询) the printouts' QR code opens, with `?case=<case number>` added.
    status_page_url: str = "http://127.0.0.1:8106/m/follow"
    # A case forwarded (登记转发) this long ago with no work order heard of counts as stuck (docs/operations.md).
    stuck_after_s: float = 900.0


def get_settings() -> IntakeSettings:
    return IntakeSettings()


@lru_cache(maxsize=4)
def district_catalogue(root: Path | None = None) -> DistrictCatalogue:
    """Intake's part of the district packs, read and validated once per process."""
    return load_district_catalogue(root or packs_dir())
