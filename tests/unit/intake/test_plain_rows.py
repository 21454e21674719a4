"""Plain rows for Core inserts: every column of the table, its defaults filled in, nothing else."""

from datetime import UTC, datetime

import pytest

from shared.rows import row_values
from services.intake import store

AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_a_plain_row_holds_every_column_in_the_models_order_with_its_defaults() -> None:
    row = row_values(store.CaseTransition, case_id="c1", action="register", from_state="",
                     to_state="registered", actor="staff:window", at=AT)

    assert list(row) == list(store.CaseTransition.model_fields)
    assert row["id"] is None and row["reason"] == ""


def test_a_plain_row_calls_default_factories_only_for_columns_not_given() -> None:
    first = row_values(store.IdempotencyRecord, scope="s", key="k1", fingerprint="f", status_code=201, body={})
    second = row_values(store.IdempotencyRecord, scope="s", key="k2", fingerprint="f", status_code=201, body={},
                        created_at=AT)

    assert isinstance(first["created_at"], datetime) and second["created_at"] == AT


def test_a_plain_row_refuses_a_missing_required_column_or_an_unknown_one() -> None:
    with pytest.raises(TypeError, match="without label"):
        row_values(store.BatchItemRow, case_id="c1", item_no=1)
    with pytest.raises(TypeError, match="no field colour"):
        row_values(store.BatchItemRow, case_id="c1", item_no=1, label="a", colour="red")
