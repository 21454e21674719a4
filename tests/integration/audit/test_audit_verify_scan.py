"""Verify reads the log by sequential scans of slices of its table and hashes what the driver hands over;
a chain whose rows come back out of order, or do not hash right at first sight, or whose runs do not join
up, is read again in chain order."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from shared.runtime import Runtime
from services.audit.config import get_settings
from services.audit.store import audit_log
from services.audit.store.audit_log import IncomingEvent, Signer
from services.audit.store.keys import load_signing_key
from services.audit.store.verification import verify_database
from tests.integration.audit.conftest import with_databases

AT = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)
TOPIC = "bancheng.case.events"
# Backslashes, tabs, newlines and carriage returns are escaped by PostgreSQL's COPY text (and, inside
# JSON strings, by JSON); quotes by JSON; Chinese and emoji by neither.
AWKWARD = 'C:\\材料\\租赁\t凭证\n第二行\r\n"引号" \\n 不是换行 \u0001 \u007f 😀'
COLUMNS = (
    "topic, partition, sequence, event_id, event_type, occurred_at, case_id, payload, headers, prev_hash, entry_hash"
)


async def seed(runtime: Runtime, count: int = 9) -> None:
    """`count` awkward events over two partitions (signing every 3); the last without a case."""
    signer = Signer(private_key=load_signing_key(get_settings()), every=3)
    events = [
        IncomingEvent(
            topic=TOPIC,
            partition=i % 2,
            event_id=f'evt-{i}-"\\\t',
            event_type="case.registered",
            occurred_at=AT + timedelta(minutes=i, microseconds=i),
            case_id=None if i == count - 1 else f"case-{i % 4}\\办",
            payload={"description": AWKWARD, "n": i, "nested": {"path": "a\\b", "list": ["\t", "\n"]}},
            headers={"ce_source": "intake", "ce_actor": "staff:1", "note": AWKWARD},
        )
        for i in range(count)
    ]
    async with runtime.sessions() as session, session.begin():
        await audit_log.append_events(session, events, signer=signer, now=AT)


async def verify(runtime: Runtime, **options: int):
    return await verify_database(
        runtime.settings.database_url, load_signing_key(get_settings()).public_key(), **options
    )


@with_databases
async def test_payload_with_characters_copy_escapes_verifies_from_the_scan_itself(migrated: Runtime) -> None:
    await seed(migrated)
    report = await verify(migrated)
    assert report.ok and report.entries_checked == 9
    assert report.set_aside == ()  # every row hashed right as scanned: no chain read twice


@with_databases
async def test_chain_whose_rows_come_back_out_of_order_is_read_again_in_order_and_verifies(migrated: Runtime) -> None:
    await seed(migrated)
    async with migrated.engine.begin() as connection:  # the same row stored again, now after its successors
        await connection.execute(
            text("CREATE TABLE moved AS SELECT * FROM audit_entry WHERE sequence = 2 AND partition = 0")
        )
        await connection.execute(text("DELETE FROM audit_entry WHERE sequence = 2 AND partition = 0"))
        await connection.execute(text(f"INSERT INTO audit_entry ({COLUMNS}) SELECT {COLUMNS} FROM moved"))
        await connection.execute(text("DROP TABLE moved"))
    report = await verify(migrated)
    assert report.ok and report.entries_checked == 9
    assert report.set_aside == ((TOPIC, 0),)


@with_databases
async def test_altered_entry_in_a_chain_read_out_of_order_is_named_once(migrated: Runtime) -> None:
    await seed(migrated)
    async with migrated.engine.begin() as connection:
        await connection.execute(
            text("UPDATE audit_entry SET event_type = 'case.withdrawn' WHERE sequence = 3 AND partition = 1")
        )
    report = await verify(migrated)
    assert [(f.kind, f.partition, f.sequence) for f in report.faults] == [("altered", 1, 3)]
    assert report.entries_checked == 9 and report.set_aside == ((TOPIC, 1),)


@with_databases
async def test_log_split_over_processes_in_slices_of_its_table_joins_every_chain_whole(migrated: Runtime) -> None:
    await seed(migrated, count=40)
    report = await verify(migrated, workers=3)
    assert report.ok and report.entries_checked == 40
    assert report.set_aside == ()  # each chain's runs in the three slices joined: none read again


@with_databases
async def test_scan_split_over_processes_sets_aside_only_the_disordered_chain(migrated: Runtime) -> None:
    await seed(migrated, count=40)
    async with migrated.engine.begin() as connection:
        await connection.execute(text("DELETE FROM audit_entry WHERE sequence = 7 AND partition = 1"))
    report = await verify(migrated, workers=2)
    assert [(f.kind, f.partition, f.sequence) for f in report.faults] == [("missing", 1, 8)]
    assert report.entries_checked == 39 and report.set_aside == ((TOPIC, 1),)
