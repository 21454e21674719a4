"""The identity service's settings (env prefix BANCHENG_IDENTITY_)."""

from datetime import timedelta

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from services.identity.domain.sessions import Lockout, Timeouts

# Demo clients' secrets: fine on a laptop, refused in production (set each one).
DEV_CLIENT_SECRETS = {
    "console_client_secret": "console-dev-secret-change-me",
    "hotline12345_client_secret": "hotline12345-dev-secret-change-me",
    "dept_client_secret": "dept-dev-secret-change-me",
}


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_IDENTITY_")

    service_name: str = "identity"
    port: int = 8100
    # The URL clients reach this service at: `iss` of every token and the base of discovery.
    issuer: str = ""
    audience: str = "bancheng"
    access_token_ttl_s: int = 900
    id_token_ttl_s: int = 900
    authorization_code_ttl_s: int = 300
    # MLPS 2.0 level 3 (等保三级) identification: lockout after repeated failures, session timeouts.
    lockout_threshold: int = 5
    lockout_duration_s: int = 900
    session_idle_timeout_s: int = 1800
    session_absolute_timeout_s: int = 28800
    # After a rotation the old key stays in the JWKS this long past its last token's expiry.
    key_retirement_grace_s: int = 300
    # Seed the demo district's users and clients at start (the dev stack sets it; idempotent).
    seed_demo: bool = False
    console_redirect_uris: list[str] = ["http://127.0.0.1:8106/auth/callback"]
    console_client_secret: str = DEV_CLIENT_SECRETS["console_client_secret"]
    hotline12345_client_secret: str = DEV_CLIENT_SECRETS["hotline12345_client_secret"]
    dept_client_secret: str = DEV_CLIENT_SECRETS["dept_client_secret"]

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(idle=timedelta(seconds=self.session_idle_timeout_s),
                        absolute=timedelta(seconds=self.session_absolute_timeout_s))

    @property
    def lockout(self) -> Lockout:
        return Lockout(threshold=self.lockout_threshold, duration=timedelta(seconds=self.lockout_duration_s))

    @property
    def key_kept_after_retirement(self) -> timedelta:
        """How long a retired key stays in the JWKS: until the last token it signed has expired, and a grace."""
        return timedelta(seconds=max(self.access_token_ttl_s, self.id_token_ttl_s) + self.key_retirement_grace_s)

    @model_validator(mode="after")
    def _issuer_and_secrets(self) -> "IdentitySettings":
        if not self.issuer:
            self.issuer = f"http://{self.host}:{self.port}"
        self.issuer = self.issuer.rstrip("/")
        if self.environment == "production":
            if self.seed_demo:
                raise ValueError("seed_demo is refused in production: its users have published passwords")
            for name, default in DEV_CLIENT_SECRETS.items():
                if getattr(self, name) == default:
                    raise ValueError(f"{name} must be set outside development")
        if self.session_idle_timeout_s > self.session_absolute_timeout_s:
            raise ValueError("session_idle_timeout_s must not exceed session_absolute_timeout_s")
        return self


def get_settings() -> IdentitySettings:
    return IdentitySettings()
