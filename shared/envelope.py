"""The envelope every event travels in, mapped onto Kafka by the CloudEvents binary binding.

The Kafka key is the case id, so one case's events keep their order within a partition. The
payload is the event's JSON; the attributes travel as `ce_*` headers, trace context as W3C
`traceparent`/`tracestate` headers.
"""

import json
from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events.base import Event, event_class

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
Headers = list[tuple[str, bytes]]


class MalformedMessage(ValueError):
    """A message that is not a valid Bancheng event: it goes to the dead-letter topic."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4, description="Event id; consumers dedupe on it")
    type: str = Field(examples=["case.registered"])
    schema_version: int = Field(ge=1)
    source: str = Field(description="The producing service", examples=["intake"])
    occurred_at: AwareDatetime
    case_id: str = Field(min_length=1, description="Also the Kafka key")
    district: str
    hall: str | None = None
    actor: str = Field(description="Who caused it: a staff account, a department, or a service")
    causation_id: UUID | None = Field(default=None, description="The event that caused this one")
    correlation_id: UUID = Field(description="The first event of the chain (usually the case's registration)")
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        case_id: str,
        district: str,
        actor: str,
        hall: str | None = None,
        caused_by: "Envelope | None" = None,
        occurred_at: datetime | None = None,
    ) -> Self:
        """A new envelope for `event`; `caused_by` links causation and correlation."""
        event_id = uuid4()
        return cls(
            id=event_id,
            type=event.type,
            schema_version=event.version,
            source=source,
            occurred_at=occurred_at or datetime.now(UTC),
            case_id=case_id,
            district=district,
            hall=hall,
            actor=actor,
            causation_id=caused_by.id if caused_by else None,
            correlation_id=caused_by.correlation_id if caused_by else event_id,
            traceparent=caused_by.traceparent if caused_by else None,
            tracestate=caused_by.tracestate if caused_by else None,
            data=event.model_dump(mode="json"),
        )

    def event(self) -> Event:
        """The typed event; raises MalformedMessage for an unknown type or invalid data."""
        model = event_class(self.type, self.schema_version)
        if model is None:
            raise MalformedMessage(f"unknown event type {self.type} v{self.schema_version}")
        try:
            return model.model_validate(self.data)
        except ValueError as error:
            raise MalformedMessage(f"invalid {self.type} v{self.schema_version}: {error}") from error

    def to_kafka(self) -> tuple[bytes, bytes, Headers]:
        headers: Headers = [
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_id", str(self.id).encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
            ("ce_time", self.occurred_at.isoformat().encode()),
            ("ce_subject", self.case_id.encode()),
            ("ce_schemaversion", str(self.schema_version).encode()),
            ("ce_district", self.district.encode()),
            ("ce_actor", self.actor.encode()),
            ("ce_correlationid", str(self.correlation_id).encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]
        optional = {
            "ce_hall": self.hall,
            "ce_causationid": self.causation_id and str(self.causation_id),
            "traceparent": self.traceparent,
            "tracestate": self.tracestate,
        }
        headers += [(name, value.encode()) for name, value in optional.items() if value]
        return self.case_id.encode(), _json_bytes(self.data), headers

    @classmethod
    def from_kafka(cls, value: bytes | None, headers: Headers) -> Self:
        """Parse a record; raises MalformedMessage with the reason when it is not an event."""
        attributes = {name: raw.decode("utf-8", "replace") for name, raw in headers}
        if "ce_type" not in attributes or "ce_id" not in attributes:
            raise MalformedMessage("missing CloudEvents headers ce_id/ce_type")
        try:
            data = json.loads(value or b"")
        except ValueError as error:
            raise MalformedMessage(f"payload is not JSON: {error}") from error
        if not isinstance(data, dict):
            raise MalformedMessage("payload is not a JSON object")
        try:
            return cls(
                id=attributes["ce_id"],
                type=attributes["ce_type"],
                schema_version=attributes.get("ce_schemaversion", "1"),
                source=attributes.get("ce_source", ""),
                occurred_at=attributes.get("ce_time", ""),
                case_id=attributes.get("ce_subject", ""),
                district=attributes.get("ce_district", ""),
                hall=attributes.get("ce_hall"),
                actor=attributes.get("ce_actor", ""),
                causation_id=attributes.get("ce_causationid"),
                correlation_id=attributes.get("ce_correlationid", attributes["ce_id"]),
                traceparent=attributes.get("traceparent"),
                tracestate=attributes.get("tracestate"),
                data=data,
            )
        except ValueError as error:
            raise MalformedMessage(f"invalid envelope: {error}") from error


def _json_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
