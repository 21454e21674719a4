"""`row_values`: the one row builder. A row holds what the model's own constructor would put in it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, Column, insert
from sqlmodel import Field, Session, SQLModel, create_engine, select

from shared.db import new_row, no_items, plain_row
from shared.rows import row_values


class Ticket(SQLModel, table=True):
    __tablename__ = "test_rows_ticket"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    state: str = "new"
    tags: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    labels: dict[str, str] = Field(default={}, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def test_row_values_hold_every_field_in_the_models_order_with_the_defaults_filled_in() -> None:
    row = row_values(Ticket, state="open", name="a")
    assert list(row) == list(Ticket.model_fields)
    assert {name: row[name] for name in ("id", "name", "state", "tags", "labels")} == {
        "id": None, "name": "a", "state": "open", "tags": [], "labels": {}}
    assert row["created_at"].tzinfo is UTC


def test_every_row_gets_its_own_factory_value_and_its_own_copy_of_a_mutable_default() -> None:
    first, second = row_values(Ticket, name="a"), row_values(Ticket, name="b")
    assert first["tags"] is not second["tags"]
    assert first["labels"] is not second["labels"] and first["labels"] is not Ticket.model_fields["labels"].default


def test_a_name_the_model_has_not_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="Ticket has no field colour, size"):
        row_values(Ticket, name="a", size=3, colour="red")


def test_a_required_field_left_out_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="Ticket row without name"):
        row_values(Ticket, state="open")


def test_a_field_named_model_is_a_value_like_any_other() -> None:
    class Vehicle(SQLModel):
        model: str = "bus"

    assert row_values(Vehicle, model="tram") == {"model": "tram"}


def test_rows_written_with_core_are_stored_as_the_constructors_rows_are() -> None:
    engine = create_engine("sqlite://")
    Ticket.__table__.create(engine)
    at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    with Session(engine) as session:
        session.add(Ticket(name="constructed", tags=["x"], created_at=at))
        session.commit()
        built = row_values(Ticket, name="built", tags=["x"], created_at=at)
        session.connection().execute(insert(Ticket.__table__), [built])
        session.commit()
        stored = session.exec(select(Ticket.name, Ticket.state, Ticket.tags, Ticket.labels).order_by(Ticket.id)).all()
    assert [tuple(row)[1:] for row in stored] == [("new", ["x"], {}), ("new", ["x"], {})]


def test_the_rows_of_new_row_and_plain_row_hold_the_same_values() -> None:
    at = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    tracked, plain = new_row(Ticket, name="a", created_at=at), plain_row(Ticket, name="a", created_at=at)
    assert tracked.model_dump() == {name: getattr(plain, name) for name in Ticket.model_fields}
    with pytest.raises(AttributeError):
        plain.colour = "red"  # its class has slots: a misspelt column is not silently kept
