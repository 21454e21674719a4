"""Every event read from the bus is chained into the log once; the chain verifies and exports signed."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from shared.events.case import CaseAccepted, CaseForwarded, CaseRegistered
from shared.events.sla import DeadlineArmed
from shared.events.workorder import WorkOrderDispatched
from shared.topics import CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from services.audit.cli import export_case
from services.audit.config import get_settings
from services.audit.domain.case_bundle import verify_case_bundle
from services.audit.store import audit_log
from services.audit.store.keys import load_signing_key
from services.audit.store.tables import CheckpointRow, LogEntry
from services.audit.store.verification import verify_database
from tests.integration.audit.conftest import AuditService, with_databases

AT = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)


@with_databases
async def test_every_event_of_a_walked_case_is_in_the_log_once_and_exports_signed(audit: AuditService) -> None:
    case_id = "case-walk-1"
    steps = [
        (
            CASE_EVENTS,
            CaseRegistered(
                case_number="N-1",
                hall="H1",
                channel="walk_in",
                problem_kind="missing_materials",
                matter_code="lease_filing",
                description="租赁备案缺银行同意函",
                applicant_kind="person",
                applicant_masked="张*",
            ),
        ),
        (CASE_EVENTS, CaseAccepted(case_number="N-1")),
        (
            CASE_EVENTS,
            CaseForwarded(case_number="N-1", hall="H1", problem_kind="missing_materials", description="租赁备案"),
        ),
        (
            WORKORDER_EVENTS,
            WorkOrderDispatched(
                work_order_id="wo-1",
                case_number="N-1",
                department="housing",
                role="lead",
                tier="general",
                reason="catalogue",
            ),
        ),
        (
            SLA_EVENTS,
            DeadlineArmed(subject="work_order", subject_id="wo-1", tier="general", due_at=AT + timedelta(days=5)),
        ),
    ]
    sent = [
        await audit.publish(topic, event, case_id=case_id, at=AT + timedelta(minutes=i))
        for i, (topic, event) in enumerate(steps)
    ]
    await audit.send(CASE_EVENTS, sent[1])  # redelivered: must not be stored twice

    async def all_logged() -> bool:
        async with audit.runtime.sessions() as session:
            return len(await audit_log.timeline(session, case_id=case_id)) >= len(sent)

    await audit.wait_until(all_logged)
    async with audit.runtime.sessions() as session:
        timeline = await audit_log.timeline(session, case_id=case_id)
        stored_ids = list(await session.exec(select(LogEntry.event_id).where(LogEntry.case_id == case_id)))
        checkpoints = await session.scalar(select(func.count()).select_from(CheckpointRow))
    assert sorted(stored_ids) == sorted(str(envelope.id) for envelope in sent)
    assert [entry["type"] for entry in timeline] == [envelope.type for envelope in sent]
    assert timeline[0]["source"] == "test" and timeline[0]["actor"] == "staff:test"
    assert checkpoints >= 1  # three events on the case stream's partition reach checkpoint_every = 3

    settings = get_settings()
    report = await verify_database(settings.database_url, load_signing_key(settings).public_key())
    assert report.ok, report.faults
    bundle = await export_case(settings, case_id)
    proven = verify_case_bundle(bundle, public_key=load_signing_key(settings).public_key())
    assert proven.ok, proven.problems
    assert sorted(entry.event_id for entry in proven.entries) == sorted(stored_ids)
