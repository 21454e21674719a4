"""Intake's background loops beside its handlers: forgetting Idempotency-Keys and 12345 delivery ids, deleting
citizens' uploads no report claimed in time, and the citizen pages' expired challenges and verifications."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from shared.clock import now_utc
from shared.runtime import Runtime
from services.intake import store
from services.intake.store.attachments import sweep_expired_attachments
from services.intake.store.citizen import prune_citizen_proofs

log = logging.getLogger(__name__)


async def prune_idempotency_and_deliveries(runtime: Runtime) -> None:
    """Forget Idempotency-Keys after their TTL, 12345 delivery ids once their timestamps are stale, and expired
    proofs of work and SMS verifications (they can prove nothing any more)."""
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
                await prune_citizen_proofs(session, before=now)
        except Exception:  # the next pass tries again
            log.exception("pruning idempotency records and delivery ids failed")
        await asyncio.sleep(600)


async def sweep_pending_attachments(runtime: Runtime) -> None:
    """Delete pending uploads past `attachments_pending_ttl_s`, object and row, every `attachments_sweep_interval_s`."""
    while True:
        await asyncio.sleep(runtime.settings.attachments_sweep_interval_s)
        try:
            while await sweep_expired_attachments(runtime.sessions, runtime.attachments.objects, now=now_utc()):
                pass  # a full batch may leave more behind it
        except Exception:  # the next pass tries again
            log.exception("sweeping expired pending attachments failed")
