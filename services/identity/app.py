"""The identity service's composition root: settings → runtime (database, outbox, bus) → OIDC routes.

At start it makes sure a signing key exists and, when `seed_demo` is set, seeds the demo district."""

from datetime import UTC, datetime
from pathlib import Path

from shared.problems import FieldError, ProblemError, invalid
from shared.runtime import Runtime
from shared.settings import KafkaSettings, get_kafka_settings
from services.identity import api
from services.identity.config import IdentitySettings, get_settings
from services.identity.domain.problems import Refused
from services.identity.store import demo, keys
from services.identity.store.sealing import sealer_for


async def prepare(runtime: Runtime) -> None:
    settings: IdentitySettings = runtime.settings  # type: ignore[assignment]  # Runtime types settings as the shared base class; this service built it with its own
    async with runtime.sessions() as session, session.begin():
        await keys.ensure_signing_key(session, sealer_for(settings.signing_secret), now=datetime.now(UTC))
        if settings.seed_demo:
            await demo.seed(session, settings)


def refused(error: Exception) -> ProblemError:
    """Bad input to an API route: 422 naming every field, in Chinese and English."""
    assert isinstance(error, Refused)
    return invalid(*(FieldError(field=p.field, zh=p.zh, en=p.en) for p in error.problems))


def build_runtime(settings: IdentitySettings | None = None, kafka: KafkaSettings | None = None) -> Runtime:
    return Runtime(
        settings=settings or get_settings(),
        kafka=kafka or get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=api.routers,
        on_start=[prepare],
        domain_errors={Refused: refused},
        title="Bancheng identity (统一身份认证)",
        description="The embedded OpenID Connect provider: users, org units, roles, second factors, sessions, keys.",
    )
