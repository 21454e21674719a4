"""The envelope every event travels in, mapped onto Kafka by the CloudEvents binary binding.

The Kafka key is the case id, so one case's events keep their order within a partition. The
payload is the event's JSON; the attributes travel as `ce_*` headers, trace context as W3C
`traceparent`/`tracestate` headers.
"""

from datetime import datetime
from typing import Any, Self
from uuid import UUID

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared import tracing
from shared.clock import now_utc
from shared.events.base import Event, event_class
from shared.ids import time_ordered_id

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
Headers = list[tuple[str, bytes]]


class MalformedMessage(ValueError):
    """A message that is not a valid Bancheng event: it goes to the dead-letter topic."""


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=time_ordered_id, description="Event id; consumers dedupe on it")
    type: str = Field(examples=["case.registered"])
    schema_version: int = Field(ge=1)
    source: str = Field(description="The producing service", examples=["intake"])
    occurred_at: AwareDatetime
    case_id: str = Field(min_length=1, description="Also the Kafka key")
    district: str
    hall: str | None = None
    actor: str = Field(description="Who caused it: `person:<sub>` or `system:<sub>` of a verified token, or "
                                   "`service:<name>` for a service's own decision")
    actor_detail: str | None = Field(default=None, description="The token's display name, roles and org unit "
                                     "(JSON), beside `actor`; absent for a service")
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
        actor_detail: str | None = None,
        hall: str | None = None,
        caused_by: "Envelope | None" = None,
        occurred_at: datetime | None = None,
        trace_context: tracing.TraceHeaders | None = None,
    ) -> Self:
        """A new envelope for `event`; `caused_by` links causation and correlation.

        Its trace context is `trace_context` when given (captured where the work started, for events
        built elsewhere: intake's group commit), else the current span's (tracing on), else the cause's.

        Built without pydantic's validation (every value is typed here), after the two checks the types
        do not make: a case id, and an aware time. Validating cost more than the rest of emitting."""
        if not case_id:
            raise ValueError(f"an envelope for {event.type} needs a case id")
        moment = occurred_at or now_utc()
        if moment.tzinfo is None:
            raise ValueError(f"an envelope's time must be aware: {moment}")
        event_id = time_ordered_id()
        traced = trace_context or tracing.current()
        if traced is None and caused_by is not None and caused_by.traceparent is not None:
            traced = caused_by.traceparent, caused_by.tracestate
        return cls._assemble(
            id=event_id,
            type=event.type,
            schema_version=event.version,
            source=source,
            occurred_at=moment,
            case_id=case_id,
            district=district,
            hall=hall,
            actor=actor,
            actor_detail=actor_detail,
            causation_id=caused_by.id if caused_by else None,
            correlation_id=caused_by.correlation_id if caused_by else event_id,
            traceparent=traced[0] if traced else None,
            tracestate=traced[1] if traced else None,
            data=event.model_dump(mode="json"),
        )

    @classmethod
    def _assemble(cls, **values: Any) -> Self:
        """An envelope from checked values of every field, as `model_construct` makes one but without its
        per-field pass over defaults and aliases, most of what it took (pydantic v2's instance slots;
        docs/performance.md)."""
        envelope = cls.__new__(cls)
        object.__setattr__(envelope, "__dict__", values)
        object.__setattr__(envelope, "__pydantic_fields_set__", set(values))
        object.__setattr__(envelope, "__pydantic_extra__", None)
        object.__setattr__(envelope, "__pydantic_private__", None)
        return envelope

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
        key, value, headers = self.to_kafka_text()
        return key, value, [(name, text.encode()) for name, text in headers]

    def to_kafka_text(self) -> tuple[bytes, bytes, list[tuple[str, str]]]:
        """As `to_kafka`, the headers' values as text: what the outbox stores (its headers are JSON)."""
        headers = [
            ("ce_specversion", SPEC_VERSION),
            ("ce_id", str(self.id)),
            ("ce_type", self.type),
            ("ce_source", self.source),
            ("ce_time", self.occurred_at.isoformat()),
            ("ce_subject", self.case_id),
            ("ce_schemaversion", str(self.schema_version)),
            ("ce_district", self.district),
            ("ce_actor", self.actor),
            ("ce_correlationid", str(self.correlation_id)),
            ("content-type", CONTENT_TYPE),
        ]
        if self.hall:
            headers.append(("ce_hall", self.hall))
        if self.actor_detail:
            headers.append(("ce_actordetail", self.actor_detail))
        if self.causation_id:
            headers.append(("ce_causationid", str(self.causation_id)))
        if self.traceparent:
            headers.append(("traceparent", self.traceparent))
        if self.tracestate:
            headers.append(("tracestate", self.tracestate))
        return self.case_id.encode(), orjson.dumps(self.data), headers

    @classmethod
    def from_kafka(cls, value: bytes | None, headers: Headers) -> Self:
        """Parse a record; raises MalformedMessage with the reason when it is not an event.

        Every attribute is checked as the model's fields say (UUIDs, a version ≥ 1, an aware time, a
        case id), by hand: a validated pydantic model per record was the largest cost of decoding."""
        attributes = {name: raw.decode("utf-8", "replace") for name, raw in headers}
        if "ce_type" not in attributes or "ce_id" not in attributes:
            raise MalformedMessage("missing CloudEvents headers ce_id/ce_type")
        try:
            data = orjson.loads(value or b"")
        except orjson.JSONDecodeError as error:
            raise MalformedMessage(f"payload is not JSON: {error}") from error
        if not isinstance(data, dict):
            raise MalformedMessage("payload is not a JSON object")
        get = attributes.get
        try:
            schema_version = int(get("ce_schemaversion", "1"))
            if schema_version < 1:
                raise ValueError(f"ce_schemaversion must be at least 1, not {schema_version}")
            occurred_at = datetime.fromisoformat(get("ce_time", ""))
            if occurred_at.tzinfo is None:
                raise ValueError(f"ce_time has no time zone: {occurred_at}")
            case_id = get("ce_subject", "")
            if not case_id:
                raise ValueError("ce_subject (the case id) is empty")
            causation_id = get("ce_causationid")
            return cls._assemble(
                id=UUID(attributes["ce_id"]),
                type=attributes["ce_type"],
                schema_version=schema_version,
                source=get("ce_source", ""),
                occurred_at=occurred_at,
                case_id=case_id,
                district=get("ce_district", ""),
                hall=get("ce_hall"),
                actor=get("ce_actor", ""),
                actor_detail=get("ce_actordetail"),
                causation_id=UUID(causation_id) if causation_id is not None else None,
                correlation_id=UUID(get("ce_correlationid", attributes["ce_id"])),
                traceparent=get("traceparent"),
                tracestate=get("tracestate"),
                data=data,
            )
        except ValueError as error:
            raise MalformedMessage(f"invalid envelope: {error}") from error
