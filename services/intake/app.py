"""Intake's composition root: settings → runtime (bus, database, consumers, the registrations' group commit)
→ HTTP app."""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from shared.personal_data import Keyring, get_keyring
from shared.runtime import Runtime
from shared.settings import KafkaSettings, get_kafka_settings
from services.intake import handlers
from services.intake.api import routers
from services.intake.api.errors import DOMAIN_ERRORS
from services.intake.config import IntakeSettings, district_catalogue, get_settings
from services.intake.domain.districts import DistrictCatalogue
from services.intake.metrics import publish_intake_gauges
from services.intake.store.attachments import AttachmentFiles
from services.intake.store.objects import open_object_store
from services.intake.store.personal_data import CASE_TABLE
from services.intake.store.registration_batch import RegistrationCommit
from services.intake.store.scanning import load_scanner
from services.intake.workers import prune_idempotency_and_deliveries, sweep_pending_attachments

# Upload routes read their multipart bodies as they stream in, with their own size limit (api/deps.py).
STREAMED_UPLOADS = (r"/cases/[^/]+/attachments", r"/public/attachments")


@dataclass(kw_only=True)
class IntakeRuntime(Runtime):
    """The runtime with what intake's handlers and routes share: its part of the district packs, the keyring, the
    group commit that writes the window's registrations (made at the start: it needs the relay), and the
    attachments' object store and scanning hook (made at the start: the S3 client opens a connection pool)."""

    settings: IntakeSettings
    catalogue: DistrictCatalogue
    keyring: Keyring
    registrations: RegistrationCommit = field(init=False)
    attachments: AttachmentFiles = field(init=False)

    async def start_parts(self) -> None:
        await super().start_parts()
        if not self.settings.access_log:
            drop_access_log()
        self.registrations = RegistrationCommit(engine=self.engine, service=self.name, keyring=self.keyring,
                                                relay=self.relay)
        self.stops_at_shutdown(self.registrations.stop)
        await self.registrations.start()
        objects, close_objects = await open_object_store(self.settings)
        self.stops_at_shutdown(close_objects)
        self.attachments = AttachmentFiles(
            objects=objects, scanner=load_scanner(self.settings.attachments_scan_hook),
            staging_dir=self.settings.attachments_dir / "staging", max_bytes=self.settings.attachments_max_bytes,
            pending_ttl=timedelta(seconds=self.settings.attachments_pending_ttl_s))


def drop_access_log() -> None:
    """uvicorn logs each request on "uvicorn.access" at INFO; above INFO the call returns before
    formatting anything. (uvicorn's own `access_log` flag is set in shared/cli.py, for every service.)"""
    access = logging.getLogger("uvicorn.access")
    access.setLevel(max(access.getEffectiveLevel(), logging.WARNING))


def build_runtime(settings: IntakeSettings | None = None, kafka: KafkaSettings | None = None) -> IntakeRuntime:
    """The intake process; tests pass their own settings instead of the environment's."""
    settings = settings or get_settings()
    return IntakeRuntime(
        settings=settings,
        catalogue=district_catalogue(settings.districts_dir),
        kafka=kafka or get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        subscribers=handlers.subscribers,
        routers=routers,
        background=[prune_idempotency_and_deliveries, sweep_pending_attachments, publish_intake_gauges,
                    handlers.follow_district_packs],
        streamed_uploads=STREAMED_UPLOADS,
        keyring=get_keyring(environment=settings.environment),
        sealed_tables=[CASE_TABLE],
        domain_errors=DOMAIN_ERRORS,
        title="Bancheng intake (受理)",
        description="Registers cases from every channel and follows them through the closed loop.",
    )
