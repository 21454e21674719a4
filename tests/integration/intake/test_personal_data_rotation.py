"""Moving intake's personal data: the migration seals rows written in plaintext, and
`python -m services.intake rotate-pii-key` re-seals everything under the current key, resumably."""

import base64
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from shared import migrations
from shared.ids import new_id
from shared.personal_data import PersonalDataSettings, build_keyring
from shared.settings import REPO_ROOT
from services.intake import store
from services.intake.store import personal_data

MIGRATIONS = REPO_ROOT / "services" / "intake" / "migrations"
OLD, NEW, TRANSPORT, INDEX = (base64.b64encode(os.urandom(32)).decode() for _ in range(4))


def pii_env(*, keys: str, current: str) -> dict[str, str]:
    return {"BANCHENG_PII_KEYS": f"{keys},t={TRANSPORT}", "BANCHENG_PII_CURRENT_KID": current,
            "BANCHENG_PII_TRANSPORT_KID": "t", "BANCHENG_PII_INDEX_KEY": INDEX}


def keyring(env: dict[str, str]):
    return build_keyring(PersonalDataSettings(**{k.removeprefix("BANCHENG_PII_").lower(): v for k, v in env.items()}),
                         environment="test")


def case_row(**applicant: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "id": new_id(),
        "case_number": f"FT-20261207-{new_id()[-4:]}",
        "district": "demo",
        "hall": "FT",
        "channel": "walk_in",
        "problem_kind": "missing_materials",
        "description": "材料",
        "complexity_tier": "general",
        "green_channel": False,
        "state": "registered",
        "first_responder": "staff:1",
        "reply": "",
        "created_at": now,
        "updated_at": now,
        **applicant,
    }


def test_the_migration_seals_plaintext_rows_and_masks_their_stored_answers(tmp_path: Path, monkeypatch) -> None:
    env = pii_env(keys=f"k1={OLD}", current="k1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    config = migrations._config(url, MIGRATIONS)
    command.upgrade(config, "a8ac9a706227")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    old = case_row(applicant_kind="person", applicant_name="王芳", applicant_phone="13912345678",
                   applicant_id_type="resident_id", applicant_id_number="11010519491231002X", applicant_contact_name="")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                'INSERT INTO "case" (id, case_number, district, hall, channel, problem_kind, description,'
                " complexity_tier, green_channel, applicant_kind, applicant_name, applicant_phone, applicant_id_type,"
                " applicant_id_number, applicant_contact_name, state, first_responder, reply, created_at, updated_at)"
                " VALUES (:id, :case_number,"
                " :district, :hall, :channel, :problem_kind, :description, :complexity_tier, :green_channel,"
                " :applicant_kind, :applicant_name, :applicant_phone, :applicant_id_type, :applicant_id_number,"
                " :applicant_contact_name, :state, :first_responder, :reply, :created_at, :updated_at)"
            ),
            old,
        )
        connection.execute(
            sa.text(
                "INSERT INTO idempotency_record (scope, key, fingerprint, status_code, body, created_at)"
                " VALUES ('POST /cases', 'k', 'f', 201, :body, :at)"
            ),
            {
                "body": '{"id": "x", "applicant": {"kind": "person", "name": "王芳", "phone": "13912345678",'
                ' "email": null, "id_type": null, "id_number": null, "credit_code": null,'
                ' "contact_name": ""}}',
                "at": datetime.now(UTC),
            },
        )

    migrations.upgrade(url, MIGRATIONS)

    with engine.connect() as connection:
        row = connection.execute(sa.select(store.Case.__table__)).mappings().one()
        answer = connection.execute(sa.text("SELECT body FROM idempotency_record")).scalar_one()
    engine.dispose()
    ring = keyring(env)
    assert row["applicant_phone"].startswith("v1:k1:") and row["applicant_id_number"].startswith("v1:k1:")
    assert personal_data.opened(ring, row)["name"] == "王芳"
    assert row["applicant_phone_index"] == ring.blind_index("phone", "13912345678")
    assert row["applicant_masked"]["phone"] == "139****5678"
    assert "13912345678" not in answer and "王芳" not in answer and "139****5678" in answer


def test_rotation_reseals_every_case_under_the_new_key_and_a_second_run_does_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    before = pii_env(keys=f"k1={OLD}", current="k1")
    after = pii_env(keys=f"k1={OLD},k2={NEW}", current="k2")
    migrations.upgrade(url, MIGRATIONS)
    ring = keyring(before)
    rows = []
    for n in range(5):
        case_id = new_id()
        rows.append({**case_row(**personal_data.sealed_columns(ring, case_id=case_id, applicant={
            "kind": "person", "name": f"张{n}", "phone": f"1381234567{n}", "email": None, "id_type": None,
            "id_number": None, "credit_code": None, "contact_name": ""})), "id": case_id})
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    with engine.begin() as connection:
        connection.execute(sa.insert(store.Case.__table__), rows)

    def rotate() -> str:
        env = {**os.environ, **after, "BANCHENG_INTAKE_DATABASE_URL": url}
        done = subprocess.run([sys.executable, "-m", "services.intake", "rotate-pii-key", "--batch-size", "2"],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first, second = rotate(), rotate()

    with engine.connect() as connection:
        stored = connection.execute(sa.select(store.Case.__table__)).mappings().all()
    engine.dispose()
    # name, phone and the (empty) agent of five cases; e-mail and ID number are absent
    assert "case: 2 rows read" in first and "done under key k2 (15 values re-sealed)" in first
    assert "(0 values re-sealed)" in second
    new_only = keyring(pii_env(keys=f"k2={NEW}", current="k2"))
    assert sorted(personal_data.opened(new_only, row)["phone"] for row in stored) == [
        f"1381234567{n}" for n in range(5)]
    assert not any("1381234567" in line for line in first.splitlines())


def test_the_search_migration_fills_the_name_and_credit_code_indexes_of_existing_cases(
    tmp_path: Path, monkeypatch
) -> None:
    env = pii_env(keys=f"k1={OLD}", current="k1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    command.upgrade(migrations._config(url, MIGRATIONS), "c4e6a8b0d2f3")
    ring = keyring(env)
    case_id = new_id()
    sealed = personal_data.sealed_columns(ring, case_id=case_id, applicant={
        "kind": "enterprise", "name": "福田某某贸易有限公司", "phone": "0755-86123456", "email": None,
        "id_type": None, "id_number": None, "credit_code": "91350100M000100Y43", "contact_name": "赵六"})
    before = {name: value for name, value in sealed.items()
              if name not in ("applicant_name_index", "applicant_credit_code_index")}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    with engine.begin() as connection:
        columns = sa.table("case", *(sa.column(name) for name in {**case_row(**before), "id": case_id}))
        connection.execute(sa.insert(columns), [{**case_row(**before), "id": case_id,
                                                 "applicant_masked": json.dumps(before["applicant_masked"])}])

    migrations.upgrade(url, MIGRATIONS)

    with engine.connect() as connection:
        row = connection.execute(sa.select(store.Case.__table__)).mappings().one()
    engine.dispose()
    assert row["applicant_name_index"] == ring.blind_index("name", "福田某某贸易有限公司")
    assert row["applicant_credit_code_index"] == ring.blind_index("credit_code", "91350100M000100Y43")
    assert row["applicant_name"] == sealed["applicant_name"]  # already under the current key: not sealed again
