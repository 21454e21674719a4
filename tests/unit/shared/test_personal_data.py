"""Field encryption under a keyring: round trips, key ids, tampering, blind indexes, rotation."""

import base64
import os

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

from shared.personal_data import (
    Key,
    Keyring,
    KeyringError,
    PersonalDataSettings,
    SealedValueError,
    UnknownKeyError,
    build_keyring,
    is_sealed,
)
from shared.personal_data.rotation import SealedTable, reseal, reseal_batch

INDEX_KEY = os.urandom(32)


def keyring(*keys: Key, current: str) -> Keyring:
    return Keyring(list(keys), current=current, index_key=INDEX_KEY)


OLD = Key("k2025", "aes256", os.urandom(32))
NEW = Key("k2026", "aes256", os.urandom(32))
GUOMI = Key("sm4-2026", "sm4", os.urandom(16))


@pytest.mark.parametrize("key", [OLD, GUOMI], ids=["aes-256-gcm", "sm4-gcm"])
def test_a_sealed_value_opens_to_its_plaintext_and_names_its_key(key: Key) -> None:
    ring = keyring(key, current=key.kid)

    sealed = ring.seal("欧阳娜娜 13812345678", context="intake.case.applicant_name:c1")

    assert sealed.startswith(f"v1:{key.kid}:") and "13812345678" not in sealed and is_sealed(sealed)
    assert ring.open(sealed, context="intake.case.applicant_name:c1") == "欧阳娜娜 13812345678"
    assert ring.seal("x", context="c") != ring.seal("x", context="c")  # a fresh nonce each time


def test_a_value_under_a_key_the_ring_does_not_hold_is_a_clear_error() -> None:
    sealed = keyring(OLD, current="k2025").seal("13812345678", context="c")

    with pytest.raises(UnknownKeyError, match="no key 'k2025' in the keyring .*k2026"):
        keyring(NEW, current="k2026").open(sealed, context="c")


@pytest.mark.parametrize("tamper", [
    lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1],  # a ciphertext or tag byte
    lambda s: s.replace(":", ":A", 2).replace("v1:A", "v1:", 1),  # the nonce changed
], ids=["ciphertext", "nonce"])
def test_a_tampered_value_does_not_open(tamper) -> None:
    ring = keyring(OLD, current="k2025")
    sealed = ring.seal("110105194912310021", context="c")

    with pytest.raises(SealedValueError):
        ring.open(tamper(sealed), context="c")


def test_a_value_moved_to_another_row_or_column_does_not_open() -> None:
    ring = keyring(GUOMI, current="sm4-2026")
    sealed = ring.seal("13812345678", context="intake.case.applicant_phone:case-1")

    with pytest.raises(SealedValueError, match="another place"):
        ring.open(sealed, context="intake.case.applicant_phone:case-2")
    with pytest.raises(SealedValueError, match="not a sealed value"):
        ring.open("13812345678", context="intake.case.applicant_phone:case-1")


def test_blind_indexes_match_equal_numbers_however_written_and_only_those() -> None:
    ring = keyring(OLD, current="k2025")

    assert ring.blind_index("phone", "+86 138-1234-5678") == ring.blind_index("phone", "13812345678")
    assert ring.blind_index("id_number", "11010519491231002x") == ring.blind_index("id_number", "11010519491231002X")
    assert ring.blind_index("phone", "13812345678") != ring.blind_index("phone", "13812345679")
    assert ring.blind_index("phone", "13812345678") != ring.blind_index("id_number", "13812345678")
    other = Keyring([OLD], current="k2025", index_key=os.urandom(32))
    assert other.blind_index("phone", "13812345678") != ring.blind_index("phone", "13812345678")


def test_sm3_blind_indexes_for_guomi_deployments() -> None:
    ring = Keyring([GUOMI], current="sm4-2026", index_key=INDEX_KEY, index_hash="sm3")
    assert ring.blind_index("phone", "13812345678") != keyring(GUOMI, current="sm4-2026").blind_index(
        "phone", "13812345678")


def test_settings_parse_pairs_and_production_refuses_the_development_keys() -> None:
    pairs = (f"a={base64.b64encode(OLD.secret).decode()},"
             f"b=sm4:{base64.b64encode(GUOMI.secret).decode()},t=aes256:{base64.b64encode(NEW.secret).decode()}")
    settings = PersonalDataSettings(keys=pairs, current_kid="b", transport_kid="t",
                                    index_key=base64.b64encode(INDEX_KEY).decode())

    ring = build_keyring(settings, environment="production")

    assert (ring.current, ring.transport, ring.keys["b"].algorithm) == ("b", "t", "sm4")
    with pytest.raises(KeyringError, match="outside development"):
        build_keyring(PersonalDataSettings(), environment="production")
    with pytest.raises(KeyringError, match="current key id 'zz'"):
        build_keyring(settings.model_copy(update={"current_kid": "zz"}), environment="test")
    with pytest.raises(KeyringError, match="sm4 needs 16 bytes"):
        build_keyring(settings.model_copy(update={"keys": f"b=sm4:{base64.b64encode(NEW.secret).decode()}",
                                                   "transport_kid": "b"}), environment="test")


# Rotation over a real (SQLite) table.
ROWS = Table("person", MetaData(), Column("id", String, primary_key=True), Column("phone", String),
             Column("name", String), Column("phone_index", String))
SPEC = SealedTable(table="person", key="id", columns=("phone", "name"), context=lambda column, key: f"{column}:{key}",
                   indexes={"phone_index": ("phone", "phone")})


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'people.db'}")
    ROWS.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_rotation_reseals_old_keys_and_plaintext_once_and_a_second_run_changes_nothing(engine) -> None:
    old = keyring(OLD, current="k2025")
    rows = [{"id": f"p{n:02d}", "phone": old.seal(f"138000000{n:02d}", context=f"phone:p{n:02d}"),
             "name": old.seal("张三", context=f"name:p{n:02d}"),
             "phone_index": old.blind_index("phone", f"138000000{n:02d}")} for n in range(7)]
    rows.append({"id": "p99", "phone": "13912345678", "name": "李四", "phone_index": None})  # written before sealing
    with engine.begin() as connection:
        connection.execute(insert(ROWS), rows)
    both = Keyring([OLD, NEW], current="k2026", index_key=INDEX_KEY)

    with engine.begin() as connection:  # stopped after one batch of 3 ...
        read, resealed, last = reseal_batch(connection, SPEC, both, after=None, batch_size=3)
    assert (read, resealed, last) == (3, 6, "p02")
    with engine.begin() as connection:  # ... and run again from the start: it goes on
        progress = reseal(connection, SPEC, both, batch_size=3)
    with engine.begin() as connection:
        again = reseal(connection, SPEC, both, batch_size=3)
        stored = {row.id: row for row in connection.execute(select(ROWS))}

    assert progress.values_resealed == 10 and again.values_resealed == 0
    assert all(row.phone.startswith("v1:k2026:") and row.name.startswith("v1:k2026:") for row in stored.values())
    new_only = keyring(NEW, current="k2026")
    assert new_only.open(stored["p05"].phone, context="phone:p05") == "13800000005"
    assert new_only.open(stored["p99"].name, context="name:p99") == "李四"
    assert stored["p99"].phone_index == both.blind_index("phone", "13912345678")
