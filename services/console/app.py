"""The console's composition root: the staff's backend-for-frontend (工作台). It signs people in at the OIDC
issuer, keeps their tokens server-side, forwards `/api/<service>/...` with them, and serves the Vue app.

It keeps no tables; the shared Runtime still gives it health, readiness, metrics and logging like every service.
On the bus it is one more subscriber (handlers.py): changes to cases, work orders and deadlines stream to the
browsers that may see them (`/api/live`)."""

from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.auth.settings import get_auth_settings
from shared.auth.tokens import TokenVerifier
from shared.runtime import Runtime
from shared.settings import KafkaSettings, get_kafka_settings
from services.console import api, handlers
from services.console.api import forward, public
from services.console.api.oidc import OidcClient
from services.console.config import ConsoleSettings, get_settings
from services.console.store.live import LiveHub
from services.console.store.sessions import SessionStore


@dataclass
class Console:
    sessions: SessionStore
    oidc: OidcClient
    verifier: TokenVerifier
    http: httpx.AsyncClient
    live: LiveHub


@dataclass(kw_only=True)
class ConsoleRuntime(Runtime):
    console: Console

    def __post_init__(self) -> None:
        super().__post_init__()
        handlers.subscribe(self)

    @property
    def live(self) -> LiveHub:
        return self.console.live

    async def stop(self) -> None:
        await super().stop()
        await self.console.http.aclose()


def build_console(settings: ConsoleSettings) -> Console:
    auth = get_auth_settings()
    http = httpx.AsyncClient(timeout=settings.backend_timeout_s)
    return Console(
        sessions=SessionStore(idle_timeout_s=settings.session_idle_timeout_s,
                              absolute_timeout_s=settings.session_absolute_timeout_s,
                              login_timeout_s=settings.login_timeout_s),
        oidc=OidcClient(settings, auth.issuer, http),
        verifier=TokenVerifier(auth),
        http=http,
        live=LiveHub(queue_size=settings.live_queue_size),
    )


def build_runtime(settings: ConsoleSettings | None = None, kafka: KafkaSettings | None = None) -> Runtime:
    settings = settings or get_settings()
    return ConsoleRuntime(
        settings=settings,
        kafka=kafka or get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[api.router],  # the page fallback last within it: it answers every other GET
        title="Bancheng console (工作台)",
        description="The staff console's backend-for-frontend: sign-in, session, the services' APIs forwarded, and "
                    "live changes.",
        console=build_console(settings),
        streamed_uploads=(*forward.STREAMED_UPLOADS, *public.STREAMED_UPLOADS),
    )
