"""A consumer that dedupes by itself (`own_dedupe`) skips the applied-id table: audit, whose log keeps each
event id once, still changes nothing twice when a batch is redelivered, on SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import ConsumerRecord
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text

from shared import db, inbox, migrations, outbox
from shared.consuming import BatchApplier, Consumer
from shared.envelope import Envelope
from shared.events.case import CaseAccepted, CaseRegistered, CaseResumed
from shared.topics import CASE_EVENTS
from services.audit.handlers import log_consumer
from services.audit.store.audit_log import Signer
from tests.conftest import DATABASES, database_url

AUDIT_MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "audit" / "migrations"
AT = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def as_record(envelope: Envelope, offset: int, topic: str = CASE_EVENTS) -> ConsumerRecord:
    key, value, headers = envelope.to_kafka()
    return ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, len(key), len(value), headers)


def applier_for(consumer: Consumer, engine) -> BatchApplier:
    def no_producer():
        raise AssertionError("no record of these batches should be dead-lettered")

    return BatchApplier(consumer=consumer, service="test", sessions=db.session_factory(engine),
                        producer=no_producer, on_commit=lambda: None)


async def snapshot(engine) -> dict[str, list]:
    """Every row audit keeps, and the applied ids: what a second application would change."""
    tables = [
        "audit_entry",
        "audit_chain_head",
        "audit_checkpoint",
        "audit_case",
        "audit_case_tally",
        "processed_event",
    ]
    async with engine.connect() as connection:
        return {
            table: sorted(map(tuple, await connection.execute(text(f"SELECT * FROM {table}"))), key=repr)
            for table in tables
        }


@pytest.mark.parametrize("kind", DATABASES)
async def test_redelivered_batch_changes_nothing_twice_in_audit_without_applied_ids(kind: str, tmp_path: Path) -> None:
    url = database_url(kind, "audit", tmp_path)
    await db.ensure_postgres_database(url)
    await asyncio.to_thread(migrations.upgrade, url, AUDIT_MIGRATIONS)
    engine = db.create_engine(url)
    consumer = log_consumer(Signer(private_key=Ed25519PrivateKey.generate(), every=2))
    assert consumer.own_dedupe
    applier = applier_for(consumer, engine)
    registered = Envelope.wrap(
        CaseRegistered(
            case_number="N-1",
            hall="H1",
            channel="walk_in",
            problem_kind="missing_materials",
            description="租赁备案缺银行同意函",
            applicant_kind="person",
            applicant_masked="张*",
        ),
        source="intake",
        case_id="case-1",
        district="demo",
        actor="staff:7",
        hall="H1",
        occurred_at=AT,
    )
    accepted = Envelope.wrap(
        CaseAccepted(case_number="N-1"),
        source="intake",
        case_id="case-1",
        district="demo",
        actor="staff:7",
        caused_by=registered,
        occurred_at=AT + timedelta(minutes=1),
    )
    batch = [as_record(registered, 0), as_record(accepted, 1), as_record(accepted, 1)]  # a copy inside it too
    try:
        await applier(batch)
        once = await snapshot(engine)
        await applier(batch)  # redelivered whole (offsets not committed before a crash)
        await applier(batch[1:])  # and in part, in a later batch
        assert await snapshot(engine) == once
        assert len(once["audit_entry"]) == 2
        assert once["processed_event"] == []  # the applied-id table was skipped
    finally:
        await engine.dispose()


async def test_own_dedupe_consumer_sees_a_redelivery_again_and_one_copy_per_batch(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'own.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: inbox.ProcessedEvent.__table__.create(sync))
        await connection.run_sync(lambda sync: outbox.OutboxMessage.__table__.create(sync))
    seen: dict[str, list[str]] = {"own": [], "inbox": []}
    appliers = []
    for name, own in (("own", True), ("inbox", False)):
        consumer = Consumer(f"group-{name}", topics=["test.input"], own_dedupe=own)

        @consumer.on(CaseResumed)
        async def on_resumed(event: CaseResumed, _envelope: Envelope, _unit, name: str = name) -> None:
            seen[name].append(event.reason)

        appliers.append(applier_for(consumer, engine))
    envelope = Envelope.wrap(
        CaseResumed(case_number="FT-1", reason="once"),
        source="test",
        case_id="c-1",
        district="demo",
        actor="test",
        occurred_at=AT,
    )
    try:
        for applier in appliers:
            await applier([as_record(envelope, 0, "test.input"), as_record(envelope, 0, "test.input")])
            await applier([as_record(envelope, 0, "test.input")])
        assert seen == {"own": ["once", "once"], "inbox": ["once"]}
        async with engine.connect() as connection:
            groups = list(await connection.scalars(select(inbox.ProcessedEvent.consumer)))
            assert groups == ["group-inbox"]
            assert await connection.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 0
    finally:
        await engine.dispose()
