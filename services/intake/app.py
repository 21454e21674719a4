"""Intake's composition root: settings → runtime (bus, database, consumers) → HTTP app."""

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path


from shared import outbox
from shared.personal_data import get_keyring
from shared.runtime import Runtime
from shared.settings import KafkaSettings, get_kafka_settings
from services.intake import api, api_personal_data, api_tracking, hotline, lookup, personal_data, printouts, store
from services.intake.open311 import api as open311_api
from services.intake.config import IntakeSettings, get_settings
from services.intake.batch_writer import durable_writer
from services.intake.group_commit import GroupCommit
from services.intake.gauges import publish_intake_gauges
from services.intake.handlers import consumer
from services.intake.http_errors import DOMAIN_ERRORS
from services.intake.idempotency import Answer
from services.intake.registration_batch import PendingRegistration, write_registrations

log = logging.getLogger(__name__)


class IntakeRuntime(Runtime):
    """The shared runtime, with the group commit that writes the window's registrations."""

    registrations: GroupCommit[PendingRegistration, Answer]

    async def start_parts(self) -> None:
        await super().start_parts()
        if not self.settings.access_log:
            drop_access_log()
        self._writer = durable_writer(self.engine)
        self.stops_at_shutdown(self._writer.close)
        self.registrations = GroupCommit(transact=self._write_registrations, on_commit=self.relay.wake)
        self.stops_at_shutdown(self.registrations.stop)
        await self.registrations.start()

    async def _write_registrations(self, members: Sequence[PendingRegistration]) -> Sequence[Answer | BaseException]:
        """A batch in one transaction; once it has committed, its outbox rows go to the relay as they are
        (on SQLite: the group commit writes through an engine of its own, whose commits are not handed over)."""
        written: list[outbox.Row] = []
        outcomes = await self._writer.transact(partial(write_registrations, service=self.name, keyring=self.keyring,
                                                          written=written), members)
        if written:
            self.relay.hand_over(written)
        return outcomes


def drop_access_log() -> None:
    """uvicorn logs each request on "uvicorn.access" at INFO; above INFO the call returns before
    formatting anything. (uvicorn's own `access_log` flag is set in shared/cli.py, for every service.)"""
    access = logging.getLogger("uvicorn.access")
    access.setLevel(max(access.getEffectiveLevel(), logging.WARNING))


async def prune_idempotency_and_deliveries(runtime: Runtime) -> None:
    """Forget Idempotency-Keys after their TTL and 12345 delivery ids once their timestamps are stale."""
    settings = runtime.settings
    while True:
        now = datetime.now(UTC)
        try:
            async with runtime.sessions() as session, session.begin():
                await store.prune_before(
                    session,
                    idempotency=now - timedelta(hours=settings.idempotency_ttl_hours),
                    # A delivery older than twice the tolerance fails the timestamp check anyway.
                    deliveries=now - timedelta(seconds=2 * settings.webhook_tolerance_s),
                )
        except Exception:  # noqa: BLE001 - the next pass tries again
            log.exception("pruning idempotency records and delivery ids failed")
        await asyncio.sleep(600)


def build_runtime(settings: IntakeSettings | None = None, kafka: KafkaSettings | None = None) -> Runtime:
    """The intake process; tests pass their own settings instead of the environment's."""
    settings = settings or get_settings()
    return IntakeRuntime(
        settings=settings,
        kafka=kafka or get_kafka_settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        consumers=[consumer],
        routers=[api.router, api_tracking.router, api_personal_data.router, printouts.router, lookup.router, hotline.router,
                 open311_api.router],
        background=[prune_idempotency_and_deliveries, publish_intake_gauges],
        keyring=get_keyring(environment=settings.environment),
        sealed_tables=[personal_data.CASE_TABLE],
        domain_errors=DOMAIN_ERRORS,
        title="Bancheng intake (受理)",
        description="Registers cases from every channel and follows them through the closed loop.",
    )
