"""Intake's settings (env prefix BANCHENG_INTAKE_) and its district configuration."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.districts import packs_dir
from shared.settings import REPO_ROOT, ServiceSettings
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
    # The citizen's own pages (/public, docs/citizen.md): the proof of work before an SMS, the codes, the limits.
    challenge_difficulty_bits: int = 16  # ~65,000 hashes on average: under a second in a phone's Web Crypto
    challenge_ttl_s: float = 300.0
    code_ttl_s: float = 300.0
    code_resend_after_s: int = 60
    code_max_failures: int = 5  # wrong codes before a verification is burnt
    codes_per_phone_per_hour: int = 5
    codes_per_client_per_hour: int = 30
    challenges_per_client_per_minute: int = 30
    reports_per_phone_per_minute: int = 6  # each try counts: five wrong codes and the right one
    reports_per_phone_per_day: int = 20
    reports_per_client_per_hour: int = 60
    follow_token_ttl_days: float = 30.0
    public_body_max_bytes: int = 64 * 1024
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
    # Attachments (附件, docs/attachments.md): where their bytes go — a directory (staged uploads under it too) or
    # a bucket behind the S3 API (MinIO in docker-compose.yml) — how large one may be, the scanning hook
    # ("module:function" naming an async callable, or "clamd://host:port"; empty: none), how long a citizen's
    # upload waits to be claimed by a report, how many a client address may upload a minute.
    attachments_backend: Literal["filesystem", "s3"] = "filesystem"
    attachments_dir: Path = REPO_ROOT / "var" / "intake-attachments"
    attachments_s3_endpoint_url: str | None = None
    attachments_s3_bucket: str = "bancheng-attachments"
    attachments_s3_region: str = "us-east-1"
    attachments_s3_access_key_id: str = ""
    attachments_s3_secret_access_key: SecretStr = SecretStr("")
    attachments_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    attachments_scan_hook: str = ""
    attachments_pending_ttl_s: float = 3600.0
    attachments_public_per_minute: int = 10
    attachments_sweep_interval_s: float = 60.0


def get_settings() -> IntakeSettings:
    return IntakeSettings()


@lru_cache(maxsize=4)
def district_catalogue(root: Path | None = None) -> DistrictCatalogue:
    """Intake's part of the district packs, read and validated once per process."""
    return load_district_catalogue(root or packs_dir())
