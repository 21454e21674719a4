"""Upgrading notify seals the contacts and stored requests it kept in plaintext."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from shared import migrations
from shared.personal_data import get_keyring
from services.notify.store.personal_data import contact_context, open_request

MIGRATIONS = Path(__file__).parents[3] / "services" / "notify" / "migrations"


def test_the_migration_seals_contacts_and_requests_written_in_plaintext(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notify.db'}"
    command.upgrade(migrations._config(url, MIGRATIONS), "5b7e1d9c3a20")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'notify.db'}")
    request = '{"type": "notify.requested", "data": {"address": "13711112222"}}'
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO citizencontact (case_id, name, phone, email) "
                                   "VALUES ('c1', '王五', '13711112222', NULL)"))
        connection.execute(sa.text(
            "INSERT INTO delivery (delivery_id, case_id, channel, recipient, template, event_type, state, attempts,"
            " request, created_at) VALUES ('d1', 'c1', 'sms', 'citizen:c1', 't', 'e', 'delivered', 1, :request, :at)"),
            {"request": request, "at": datetime.now(UTC)})

    migrations.upgrade(url, MIGRATIONS)

    with engine.connect() as connection:
        contact = connection.execute(sa.text("SELECT name, phone, email FROM citizencontact")).one()
        stored = connection.execute(sa.text("SELECT request FROM delivery")).scalar_one()
    engine.dispose()
    keyring = get_keyring(environment="test")
    assert contact.email is None and contact.phone.startswith("v1:dev:")
    assert keyring.open(contact.phone, context=contact_context("phone", "c1")) == "13711112222"
    assert keyring.open(contact.name, context=contact_context("name", "c1")) == "王五"
    assert open_request(keyring, stored, delivery_id="d1") == request
