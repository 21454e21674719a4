"""The console's settings (env prefix BANCHENG_CONSOLE_). The issuer it signs people in at is the one every
service trusts (`BANCHENG_AUTH_ISSUER`, shared/auth/settings.py)."""

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DEV_CLIENT_SECRET = "console-dev-secret-change-me"
# The services the console forwards `/api/<service>/...` to, and their `make run` addresses.
# identity: the embedded provider's `/accounts` (a deployment on another OIDC provider manages people there).
BACKENDS = {"identity": 8100, "intake": 8101, "routing": 8102, "sla": 8103, "notify": 8104, "audit": 8105}


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BANCHENG_CONSOLE_")

    service_name: str = "console"
    port: int = 8106
    # The address people open; the OIDC redirect URI is `{public_url}/auth/callback` (registered at the issuer).
    public_url: str = ""
    client_id: str = "console"
    client_secret: str = DEV_CLIENT_SECRET
    identity_url: str = f"http://127.0.0.1:{BACKENDS['identity']}"
    intake_url: str = f"http://127.0.0.1:{BACKENDS['intake']}"
    routing_url: str = f"http://127.0.0.1:{BACKENDS['routing']}"
    sla_url: str = f"http://127.0.0.1:{BACKENDS['sla']}"
    notify_url: str = f"http://127.0.0.1:{BACKENDS['notify']}"
    audit_url: str = f"http://127.0.0.1:{BACKENDS['audit']}"
    # A session ends this long after its last use, and at the latest after the absolute limit (MLPS level 3).
    session_idle_timeout_s: int = 1800
    session_absolute_timeout_s: int = 28800
    # An unfinished login (its state and PKCE verifier) is forgotten after this long.
    login_timeout_s: int = 600
    backend_timeout_s: float = 15.0
    # Live changes (/api/live): a comment line this often keeps proxies from closing an idle stream and
    # notices a session that ended; a browser more than `live_queue_size` changes behind is dropped (it
    # reconnects after `live_retry_ms` and reloads).
    live_heartbeat_s: float = 15.0
    live_queue_size: int = 256
    live_retry_ms: int = 3000
    # The citizens' pages (/public-api/...): an attachment's body at most (intake's file limit, 10 MiB, and the
    # multipart framing), any other body at most.
    public_max_upload_bytes: int = 11 * 1024 * 1024
    public_max_json_bytes: int = 64 * 1024
    web_dist: Path = Path(__file__).parent / "web" / "dist"

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/auth/callback"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def backend_url(self, service: str) -> str | None:
        return getattr(self, f"{service}_url") if service in BACKENDS else None

    @model_validator(mode="after")
    def _public_url_and_secret(self) -> "ConsoleSettings":
        self.public_url = (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
        if self.environment == "production" and self.client_secret == DEV_CLIENT_SECRET:
            raise ValueError("client_secret must be set outside development")
        return self


def get_settings() -> ConsoleSettings:
    return ConsoleSettings()
