"""Editing, deleting or swapping any stored entry is caught by verify, which names the entry."""

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.runtime import Runtime
from services.audit.config import get_settings
from services.audit.domain.verification import FaultKind
from services.audit.store import audit_log
from services.audit.store.audit_log import IncomingEvent, Signer
from services.audit.store.keys import load_signing_key
from services.audit.store.verification import verify_database
from tests.integration.audit.conftest import with_databases

AT = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)
TOPIC = "bancheng.case.events"


async def seed(runtime: Runtime, count: int = 9) -> None:
    """`count` events over two partitions, as the consumer would append them (signing every 3)."""
    signer = Signer(private_key=load_signing_key(get_settings()), every=3)
    events = [
        IncomingEvent(
            topic=TOPIC, partition=i % 2, event_id=f"evt-{i}", event_type="case.registered",
            occurred_at=AT + timedelta(minutes=i), case_id=f"case-{i % 4}",
            payload={"description": "租赁备案材料不齐", "n": i}, headers={"ce_source": "intake", "ce_actor": "staff:1"},
        )
        for i in range(count)
    ]
    async with runtime.sessions() as session, session.begin():
        await audit_log.append_events(session, events, signer=signer, now=AT)


async def faults_after(runtime: Runtime, *statements: str) -> list:
    async with runtime.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    report = await verify_database(runtime.settings.database_url, load_signing_key(get_settings()).public_key())
    return list(report.faults)


@with_databases
async def test_untouched_log_verifies_and_a_second_append_of_an_event_is_ignored(migrated: Runtime) -> None:
    await seed(migrated)
    await seed(migrated)  # the same nine events again
    assert await faults_after(migrated) == []
    async with migrated.engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM audit_entry")) == 9


@with_databases
async def test_two_writers_of_one_chain_append_one_after_the_other_never_forking_it(migrated: Runtime) -> None:
    """A rebalance may let two consumers hold a partition at once: the second waits for the first's head
    (PostgreSQL's row lock) or fails and its batch is consumed again (SQLite's one writer, and a chain's
    first batch anywhere: no head row to lock yet); either way the chain stays one."""
    signer = Signer(private_key=load_signing_key(get_settings()), every=3)
    started, first, second = (
        [IncomingEvent(topic=TOPIC, partition=0, event_id=f"evt-{name}-{i}", event_type="case.registered",
                       occurred_at=AT, case_id="case-0", payload={"n": i}, headers={}) for i in range(4)]
        for name in ("started", "a", "b")
    )

    async def append(events: list[IncomingEvent]) -> None:
        async with migrated.sessions() as session, session.begin():
            await audit_log.append_events(session, events, signer=signer, now=AT)

    await append(started)
    async with migrated.sessions() as holding, holding.begin():
        await audit_log.append_events(holding, first, signer=signer, now=AT)  # the head moved, not committed yet
        waiting = asyncio.create_task(append(second))
        await asyncio.sleep(0.3)  # long enough for the second writer to reach the head
        assert not waiting.done()
    try:
        await waiting
    except (DBAPIError, sqlite3.DatabaseError):  # SQLite: it wrote from a head older than the first's commit
        assert migrated.engine.dialect.name == "sqlite"
        await append(second)  # consumed again
    report = await verify_database(migrated.settings.database_url, load_signing_key(get_settings()).public_key())
    assert report.ok and report.entries_checked == 12


@with_databases
async def test_edited_entry_is_named_by_verify(migrated: Runtime) -> None:
    await seed(migrated)
    faults = await faults_after(
        migrated, "UPDATE audit_entry SET payload = '{\"description\": \"已改\", \"n\": 4}' WHERE event_id = 'evt-4'"
    )
    assert [(f.kind, f.event_id) for f in faults] == [(FaultKind.ALTERED, "evt-4")]


@with_databases
async def test_entry_stored_in_another_json_spelling_still_verifies(migrated: Runtime) -> None:
    await seed(migrated)  # as entries appended before payloads were stored canonical: spaces, \u escapes, key order
    faults = await faults_after(
        migrated,
        "UPDATE audit_entry SET payload = "
        '\'{"n": 4, "description": "\\u79df\\u8d41\\u5907\\u6848\\u6750\\u6599\\u4e0d\\u9f50"}\' '
        "WHERE event_id = 'evt-4'",
    )
    assert faults == []


@pytest.mark.parametrize("audit_env", ["sqlite"], indirect=True)  # PostgreSQL's json type refuses such text
async def test_entry_whose_payload_is_not_json_is_named_altered(migrated: Runtime) -> None:
    await seed(migrated)
    faults = await faults_after(migrated, "UPDATE audit_entry SET payload = '{\"n\": 4' WHERE event_id = 'evt-4'")
    assert [(f.kind, f.event_id) for f in faults] == [(FaultKind.ALTERED, "evt-4")]


@with_databases
async def test_deleted_entry_is_named_by_verify(migrated: Runtime) -> None:
    await seed(migrated)
    faults = await faults_after(migrated, "DELETE FROM audit_entry WHERE event_id = 'evt-2'")  # partition 0, #2
    assert faults[0].kind == FaultKind.MISSING and faults[0].partition == 0
    assert "entries 2 are missing" in faults[0].detail and faults[0].sequence == 3


@with_databases
async def test_deleted_tail_is_caught_by_the_signed_checkpoint(migrated: Runtime) -> None:
    await seed(migrated)  # partition 0 holds evt-0,2,4,6,8 at #1..5; a checkpoint signed #3
    faults = await faults_after(migrated, "DELETE FROM audit_entry WHERE event_id IN ('evt-4', 'evt-6', 'evt-8')")
    assert [(f.kind, f.partition, f.sequence) for f in faults] == [(FaultKind.TRUNCATED, 0, 3)]


@with_databases
async def test_forged_checkpoint_is_named_and_its_chain_still_verifies(migrated: Runtime) -> None:
    await seed(migrated)  # a head at partition 1's #2 that was never signed, with a made-up signature
    faults = await faults_after(
        migrated,
        "INSERT INTO audit_checkpoint (topic, partition, sequence, head_hash, signed_at, key_id, signature) "
        f"SELECT topic, partition, sequence, head_hash, signed_at, key_id, '{'AB' * 32}' "
        "FROM audit_checkpoint WHERE partition = 1",
        f"UPDATE audit_checkpoint SET sequence = 2, head_hash = '{'00' * 32}' WHERE signature = '{'AB' * 32}'",
    )
    assert [(f.kind, f.partition, f.sequence) for f in faults] == [(FaultKind.BAD_CHECKPOINT, 1, 2)]


@with_databases
async def test_swapped_entries_are_named_by_verify(migrated: Runtime) -> None:
    await seed(migrated)  # swap #2 and #3 of partition 1 (evt-3, evt-5), sequences and all
    faults = await faults_after(
        migrated,
        "UPDATE audit_entry SET sequence = -1 WHERE event_id = 'evt-3'",
        "UPDATE audit_entry SET sequence = 2 WHERE event_id = 'evt-5'",
        "UPDATE audit_entry SET sequence = 3 WHERE event_id = 'evt-3'",
    )
    named = {f.event_id for f in faults}
    assert {"evt-3", "evt-5"} <= named
    assert all(f.partition == 1 for f in faults)


@with_databases
async def test_verify_split_over_processes_names_the_same_faults(migrated: Runtime) -> None:
    await seed(migrated)  # partitions 0 and 1: one range each
    alone = await faults_after(
        migrated,
        "UPDATE audit_entry SET payload = '{\"description\": \"已改\", \"n\": 4}' WHERE event_id = 'evt-4'",
        "DELETE FROM audit_entry WHERE event_id = 'evt-5'",
    )
    split = await verify_database(
        migrated.settings.database_url, load_signing_key(get_settings()).public_key(), workers=2
    )
    assert split.entries_checked == 8
    assert sorted(map(str, split.faults)) == sorted(map(str, alone)) and {f.partition for f in alone} == {0, 1}


@with_databases
async def test_verify_command_exits_non_zero_and_names_the_entry(migrated: Runtime) -> None:
    await seed(migrated)
    async with migrated.engine.begin() as connection:
        await connection.execute(text("UPDATE audit_entry SET event_type = 'case.accepted' WHERE event_id = 'evt-7'"))
    done = subprocess.run(
        [sys.executable, "-m", "services.audit", "tools", "verify"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 1
    assert "altered: bancheng.case.events[1] #4 (event evt-7)" in done.stdout


@pytest.mark.parametrize("audit_env", ["sqlite"], indirect=True)
def test_missing_key_in_production_is_refused_with_one_line(audit_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANCHENG_AUDIT_ENVIRONMENT", "production")
    monkeypatch.setenv("BANCHENG_AUDIT_SIGNING_SECRET", "a-real-secret")
    done = subprocess.run(
        [sys.executable, "-m", "services.audit", "migrate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().startswith("error: audit signing key") and len(done.stderr.strip().splitlines()) == 1
