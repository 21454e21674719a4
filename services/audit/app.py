"""Audit's composition root: settings → signing key and policy → runtime (bus, database, consumer) → HTTP app."""

from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.audit.api import routers
from services.audit.config import get_settings
from services.audit.domain.policy import policy_at
from services.audit.handlers import build_consumer
from services.audit.metrics import publish_assessment_gauges
from services.audit.store.audit_log import Signer
from services.audit.store.keys import load_signing_key


def build_runtime() -> Runtime:
    """Raises ValueError (bad settings, missing key in production, bad policy): the CLI prints one line."""
    settings = get_settings()
    policy = policy_at(settings.policy_path)
    signer = Signer(private_key=load_signing_key(settings), every=policy.checkpoint_every)
    return Runtime(
        settings=settings,
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[build_consumer(signer)],
        routers=routers,
        background=[publish_assessment_gauges],
        title="Bancheng audit (审计)",
        description="The tamper-evident log of every event, and the read model.",
    )
