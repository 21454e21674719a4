"""The envelope travels as the CloudEvents Kafka binding and comes back the same; bad records say why."""

import time
from datetime import UTC, datetime

import pytest

from shared.envelope import Envelope, MalformedMessage
from shared.events.case import CaseResumed


def resumed() -> Envelope:
    cause = Envelope.wrap(CaseResumed(case_number="FT-1", reason="notice ended"), source="intake",
                          case_id="c-1", district="demo", hall="FT", actor="staff:7", occurred_at=datetime.now(UTC))
    return Envelope.wrap(CaseResumed(case_number="FT-1", reason="again"), source="sla", case_id="c-1",
                         district="demo", actor="service:sla", caused_by=cause)


def test_envelope_round_trips_through_kafka_headers_and_links_its_cause() -> None:
    envelope = resumed()
    key, value, headers = envelope.to_kafka()
    names = dict(headers)
    assert key == b"c-1" and names["ce_type"] == b"case.resumed" and names["ce_specversion"] == b"1.0"
    back = Envelope.from_kafka(value, headers)
    assert back == envelope
    assert back.causation_id is not None and back.correlation_id == back.causation_id
    assert back.event() == CaseResumed(case_number="FT-1", reason="again")


def test_unknown_fields_are_tolerated_by_consumers() -> None:
    key, value, headers = resumed().to_kafka()
    value = value[:-1] + b',"added_in_a_later_minor":1}'
    assert Envelope.from_kafka(value, headers).event().reason == "again"


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (b"{}", [], "missing CloudEvents headers"),
        (b"{not json", [("ce_id", b"x"), ("ce_type", b"case.resumed")], "payload is not JSON"),
        (b"[1]", [("ce_id", b"x"), ("ce_type", b"case.resumed")], "not a JSON object"),
        (b"{}", [("ce_id", b"not-a-uuid"), ("ce_type", b"case.resumed")], "invalid envelope"),
    ],
)
def test_malformed_record_is_refused_with_its_reason(value: bytes, headers: list, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        Envelope.from_kafka(value, headers)


def with_header(name: str, value: bytes | None) -> list:
    """A valid envelope's headers with `name` replaced by `value` (left out when None)."""
    _, _, headers = resumed().to_kafka()
    return [(n, v) for n, v in headers if n != name] + ([(name, value)] if value is not None else [])


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("ce_time", b"2026-11-22T08:00:00", "no time zone"),
        ("ce_time", None, "invalid envelope"),
        ("ce_time", b"yesterday", "invalid envelope"),
        ("ce_subject", b"", "case id"),
        ("ce_subject", None, "case id"),
        ("ce_schemaversion", b"0", "at least 1"),
        ("ce_schemaversion", b"one", "invalid envelope"),
        ("ce_correlationid", b"not-a-uuid", "invalid envelope"),
        ("ce_causationid", b"", "invalid envelope"),
    ],
)
def test_an_envelope_attribute_the_model_would_refuse_is_malformed(name: str, value: bytes | None, reason: str) -> None:
    _, payload, _ = resumed().to_kafka()
    with pytest.raises(MalformedMessage, match=reason):
        Envelope.from_kafka(payload, with_header(name, value))


def test_decoded_envelope_has_the_types_of_a_validated_one() -> None:
    envelope = resumed()
    _, value, headers = envelope.to_kafka()
    back = Envelope.from_kafka(value, headers)
    validated = Envelope.model_validate(envelope.model_dump(mode="json"))
    assert back.model_dump() == validated.model_dump() and back.model_fields_set == validated.model_fields_set
    assert back.__dict__.keys() == Envelope.model_fields.keys() == envelope.__dict__.keys()
    assert back.model_copy(update={"hall": "H2"}).hall == "H2" and back.hall is None


def test_an_envelope_without_a_case_or_with_a_naive_time_is_not_wrapped() -> None:
    with pytest.raises(ValueError, match="case id"):
        Envelope.wrap(CaseResumed(case_number="FT-1", reason="x"), source="sla", case_id="", district="demo", actor="a")
    with pytest.raises(ValueError, match="aware"):
        Envelope.wrap(CaseResumed(case_number="FT-1", reason="x"), source="sla", case_id="c-1", district="demo",
                      actor="a", occurred_at=datetime(2026, 11, 22, 8, 0))


def test_unknown_type_or_invalid_data_is_malformed_for_a_consumer_that_decodes_it() -> None:
    _, value, headers = resumed().to_kafka()
    renamed = [(n, b"case.unheard_of" if n == "ce_type" else v) for n, v in headers]
    with pytest.raises(MalformedMessage, match="unknown event type"):
        Envelope.from_kafka(value, renamed).event()
    with pytest.raises(MalformedMessage, match="invalid case.resumed"):
        Envelope.from_kafka(b'{"case_number": "FT-1"}', headers).event()


def test_event_ids_are_time_ordered() -> None:
    first = resumed().id
    time.sleep(0.002)  # the next millisecond: within one, ids are random
    later = resumed().id
    assert (first.version, later.version) == (7, 7) and str(first) < str(later)
