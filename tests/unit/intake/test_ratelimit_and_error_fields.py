from shared.problems import field_error_from_pydantic, field_name
from services.intake.domain.ratelimit import SlidingWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_window_refuses_past_its_limit_and_forgets_hits_older_than_the_window():
    clock = FakeClock()
    window = SlidingWindow(limit=2, window_s=60, clock=clock)
    window.record("a")
    window.record("a")
    assert window.exhausted("a") and not window.exhausted("b")
    assert window.retry_after_s("a") == 61
    clock.now += 61
    assert not window.exhausted("a")
    assert window._hits == {}  # idle keys do not pile up in memory


def test_pydantic_locations_are_named_like_the_domain_names_fields():
    assert field_name(("body", "missing_items", 0, "name")) == "missing_items[0].name"
    assert field_name(("body", "applicant", "id_type")) == "applicant.id_type"
    assert field_name(("header", "Idempotency-Key")) == "Idempotency-Key"


def test_schema_errors_get_a_chinese_message_with_the_limit():
    problem = field_error_from_pydantic({"type": "string_too_long", "loc": ("body", "hall"), "msg": "too long",
                                          "ctx": {"max_length": 6}})
    assert problem.field == "hall" and "6" in problem.zh and problem.en == "hall: too long"
