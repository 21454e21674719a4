"""On SQLite the group commit hands its outbox rows, with the ids the database gave them, to the relay."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from shared import db, migrations, outbox
from shared.personal_data import get_keyring
from services.intake.commands import CaseCreate, Origin
from services.intake.config import district_catalogue
from services.intake.domain.registration import validate_registration
from services.intake.store.batch_writer import durable_writer
from services.intake.store.registration_batch import PendingRegistration, write_registrations
from tests.integration.intake.conftest import walk_in

MIGRATIONS = Path(__file__).parents[3] / "services" / "intake" / "migrations"


def pending(description: str) -> PendingRegistration:
    now = datetime.now(UTC)
    case_in = CaseCreate.model_validate(walk_in(description=description, forward=True))
    valid = validate_registration(catalogue=district_catalogue(), case_in=case_in, now=now)
    return PendingRegistration(valid=valid, origin=Origin(actor="staff:window"), now=now)


async def test_a_batchs_outbox_rows_are_handed_over_with_the_ids_they_were_written_under(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
    engine = db.create_engine(url)
    writer = durable_writer(engine)
    try:
        for batch in (["一", "二"], ["三"]):
            written: list[outbox.Row] = []
            await writer.transact(lambda c, m, written=written: write_registrations(
                c, m, service="intake", keyring=get_keyring(environment="test"), written=written),
                                  [pending(description) for description in batch])
            async with engine.connect() as connection:
                stored = (await connection.execute(
                    select(outbox.OUTBOX.c.id, outbox.OUTBOX.c.topic, outbox.OUTBOX.c.key, outbox.OUTBOX.c.value)
                    .where(outbox.OUTBOX.c.id >= written[0][0]).order_by(outbox.OUTBOX.c.id))).all()
            assert len(written) == 4 * len(batch)  # registered, contact, accepted, forwarded
            assert [tuple(row) for row in stored] == [row[:4] for row in written]
    finally:
        await writer.close()
        await engine.dispose()
