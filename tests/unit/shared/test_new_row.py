"""`new_row` makes the row a model's own constructor makes, cheaper: same values and defaults, tracked after."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, Column, inspect
from sqlmodel import Field, Session, SQLModel, create_engine, select

from shared.db import new_row, no_items


class Sample(SQLModel, table=True):
    __tablename__ = "test_new_row_sample"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    state: str = "new"
    tags: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def test_new_row_holds_what_the_constructor_would_with_defaults_and_factories() -> None:
    made, constructed = new_row(Sample, name="a", state="open"), Sample(name="a", state="open")
    assert made.model_dump(exclude={"created_at"}) == constructed.model_dump(exclude={"created_at"})
    assert isinstance(made.created_at, datetime) and made.model_fields_set == {"name", "state"}
    assert new_row(Sample, name="b").tags is not new_row(Sample, name="c").tags  # a factory per row


def test_new_row_is_transient_and_its_later_changes_are_tracked() -> None:
    row = new_row(Sample, name="a")
    state = inspect(row)
    assert state.transient
    row.state = "closed"
    assert state.attrs.state.history.added == ["closed"]


def test_new_row_refuses_a_name_the_model_has_not() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        new_row(Sample, name="a", colour="red")


def test_added_new_row_is_inserted_with_its_values_and_defaults() -> None:
    engine = create_engine("sqlite://")
    Sample.__table__.create(engine)
    with Session(engine) as session:
        row = new_row(Sample, name="a", tags=["x"])
        session.add(row)
        session.commit()
        stored = session.exec(select(Sample.name, Sample.state, Sample.tags)).one()
        assert tuple(stored) == ("a", "new", ["x"]) and row.id == 1
