"""Audit's settings (env prefix BANCHENG_AUDIT_)."""

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import REPO_ROOT, ServiceSettings
from services.audit.domain.policy import DEFAULT_POLICY_PATH


class AuditSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_AUDIT_")

    service_name: str = "audit"
    port: int = 8105
    # The Ed25519 key that signs checkpoints and exports (PKCS#8 PEM). Generated here on first start in
    # development and test; in production it must exist (kept outside the database it vouches for).
    signing_key_path: Path = REPO_ROOT / "var" / "audit-signing-key.pem"
    signing_key_password: str | None = None
    # The public keys of retired signing keys (`<key id>.pem`), written by `python -m services.audit tools
    # rotate-key`: checkpoints and exports signed before a rotation still verify with them.
    retired_keys_dir: Path = REPO_ROOT / "var" / "audit-retired-keys"
    policy_path: Path = DEFAULT_POLICY_PATH
    metrics_interval_s: float = 60.0  # how often the assessment gauges are recomputed


def get_settings() -> AuditSettings:
    return AuditSettings()
