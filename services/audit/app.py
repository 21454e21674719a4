"""Audit's composition root: settings → signing key and policy → runtime (bus, database, consumer) → HTTP app."""

from dataclasses import dataclass
from pathlib import Path

from shared.runtime import Runtime
from shared.settings import get_kafka_settings
from services.audit import handlers
from services.audit.api import routers
from services.audit.config import AuditSettings, get_settings
from services.audit.domain.policy import AuditPolicy, load_policy
from services.audit.metrics import publish_assessment_gauges
from services.audit.store.audit_log import Signer
from services.audit.store.keys import load_signing_key


@dataclass(kw_only=True)
class AuditRuntime(Runtime):
    """The runtime with what audit's handler, gauges and routes share: the policy read at the start and the
    signer of the log's checkpoints."""

    settings: AuditSettings
    policy: AuditPolicy
    signer: Signer


def build_runtime(settings: AuditSettings | None = None) -> AuditRuntime:
    """Raises ValueError (bad settings, missing key in production, bad policy): the CLI prints one line."""
    settings = settings or get_settings()
    policy = load_policy(settings.policy_path)
    return AuditRuntime(
        settings=settings,
        policy=policy,
        signer=Signer(private_key=load_signing_key(settings), every=policy.checkpoint_every),
        kafka=get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        subscribers=handlers.subscribers,
        routers=routers,
        background=[publish_assessment_gauges, handlers.follow_district_packs],
        title="Bancheng audit (审计)",
        description="The tamper-evident log of every event, and the read model.",
    )
