"""What the one search box recognises a text as (services/intake/domain/search.py)."""

from datetime import date

import pytest

from services.intake.domain.errors import InvalidInput
from services.intake.domain.search import recognise

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(("q", "expected"), [
    ("ft-20261121-0042", {"case_number"}),
    ("+86 139-1234-5678", {"phone"}),
    ("0755-86123456", {"phone"}),
    ("11010519491231002x", {"id_number"}),
    ("91350100M000100Y43", {"credit_code"}),
    ("SZ12345-20261121-000123", {"hotline_ticket"}),
    ("SZ-000123", {"hotline_ticket", "id_number"}),
    ("Smith", {"hotline_ticket", "name"}),
    ("欧阳 明远", {"name"}),
    ("福田58同城贸易有限公司", {"name"}),
])
def test_a_text_is_recognised_as_what_its_shape_and_check_character_say(q: str, expected: set[str]) -> None:
    assert set(recognise(q, today=TODAY).recognised_as) == expected


def test_an_id_number_with_a_wrong_check_digit_is_not_asked_as_one() -> None:
    assert "id_number" not in recognise("110105194912310021", today=TODAY).personal


@pytest.mark.parametrize("q", ["", "  ", "12 34", "？！"])
def test_a_text_that_is_nothing_is_refused_naming_q(q: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        recognise(q, today=TODAY)
    assert [error.field for error in refused.value.problems] == ["q"]
