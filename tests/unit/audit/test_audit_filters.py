import pytest

from services.audit.domain.case_facts import CardColour, CaseState
from services.audit.domain.filters import InvalidFilterError, parse_case_filter


def problems(params):
    with pytest.raises(InvalidFilterError) as caught:
        parse_case_filter(params)
    return {problem.field: problem.message for problem in caught.value.problems}


def test_valid_query_parameters_become_a_typed_filter():
    parsed = parse_case_filter({"hall": ["沙河街道", "东区街道"], "state": "callback_recorded", "card_colour": "red",
                                "received_from": "2021-08-13T00:00:00+08:00", "text": "租赁备案"})
    assert parsed.hall == ("沙河街道", "东区街道")
    assert parsed.state == (CaseState.callback_recorded,) and parsed.card_colour == (CardColour.RED,)
    assert parsed.received_from.utcoffset().total_seconds() == 8 * 3600


def test_unknown_filter_is_named():
    assert problems({"hall": "沙河", "colour": "red"}) == {"colour": "unknown filter"}


def test_reversed_time_range_is_reported_on_its_end():
    found = problems({"received_from": "2021-09-08T00:00:00Z", "received_to": "2021-08-13T00:00:00Z"})
    assert list(found) == ["received_to"] and "later than received_from" in found["received_to"]


def test_naive_time_and_unknown_state_are_refused_per_field():
    found = problems({"received_from": "2021-09-08T00:00:00", "state": ["callback_recorded", "lost"]})
    assert set(found) == {"received_from", "state"}


def test_scalar_filter_given_twice_and_blank_names_are_refused():
    assert problems({"text": ["a", "b"], "department": [" "]}) == {
        "text": "give this filter once", "department": "values must not be blank"}
