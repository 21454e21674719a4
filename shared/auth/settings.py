"""Where tokens come from: the issuer every service trusts (env prefix `BANCHENG_AUTH_`)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_AUTH_")

    # The embedded identity service's default address (services/identity); production names its own.
    issuer: str = "http://127.0.0.1:8100"
    audience: str = "bancheng"
    # Default: the `jwks_uri` of `{issuer}/.well-known/openid-configuration`.
    jwks_url: str | None = None
    # Clock skew tolerated on exp/nbf/iat between the issuer and this host.
    leeway_s: int = 30
    # An unknown `kid` (the issuer rotated its key) refetches the key set, at most this often.
    refetch_interval_s: float = 5.0
    # Known keys are refreshed this long after they were fetched (a retired key stops verifying).
    keys_max_age_s: float = 3600.0
    http_timeout_s: float = 5.0


def get_auth_settings() -> AuthSettings:
    return AuthSettings()
