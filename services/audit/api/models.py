"""Audit's public response models: the timeline, case search, the case library and the reports."""

from pydantic import BaseModel, Field, JsonValue

from shared.api_models import UtcDateTime
from services.audit.domain.statistics import Dimension


class ActorDetail(BaseModel):
    """Who acted, as their token named them (shared/auth/principal.py `actor_detail`)."""

    name: str | None = None
    roles: list[str] = []
    district: str | None = None
    hall: str | None = None
    department: str | None = None


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    source: str
    actor: str
    actor_detail: ActorDetail | None = Field(
        default=None, description="The actor's name, roles and org unit, as its token named them")
    occurred_at: UtcDateTime
    data: dict[str, JsonValue] = Field(description="The event's data, as its type defines it (docs/asyncapi.json)")


class PackChange(BaseModel):
    """A district pack version as the log recorded its publication."""

    event_id: str
    district: str
    version: int
    change: str
    actor: str = Field(description="Who published it (the district's administrator)")
    actor_detail: ActorDetail | None = None
    occurred_at: UtcDateTime


class CaseSummary(BaseModel):
    """A case as the audit's read model knows it (no personal data)."""

    case_id: str
    case_number: str | None
    received_at: UtcDateTime | None
    hall: str | None
    district: str | None
    department: str | None
    channel: str | None
    kind: str | None
    matter: str | None
    state: str | None
    yellow_cards: int
    red_cards: int
    returns: int
    extensions: int
    satisfaction: str | None
    description: str
    exemplary: bool


class LibraryCase(CaseSummary):
    """A case of the case library (案例库): with its solution and every reply."""

    solution: str
    replies: str


class RatePublic(BaseModel):
    numerator: int
    denominator: int
    percent: float | None = Field(description="null when nothing was counted")


class StatisticsRow(BaseModel):
    """One group's counts and rates; `by` and `value` name the group, `period` its period."""

    by: Dimension | None
    value: str | None
    period: str | None
    received: int
    accepted: int
    resolved_on_the_spot: int
    out_of_scope: int
    dispatched: int
    replied: int
    responded: int
    resolved: int
    closed: int
    on_time: int
    overdue: int
    yellow_cards: int
    red_cards: int
    returns: int
    extensions: int
    rated: int
    satisfied: int
    redos: int = Field(description="重办: redo rounds opened after a dissatisfied callback")
    redo_overdue: int = Field(description="Work-order deadlines of redo rounds that were missed")
    consultations: int = Field(description="咨询 received, counted apart where the district's pack says so; every "
                                           "other count and rate is of cases (办件)")
    cases: int = Field(description="办件: received less consultations")
    in_progress: int
    response_rate: RatePublic
    resolution_rate: RatePublic
    satisfaction_rate: RatePublic
    on_time_rate: RatePublic


class Trend(BaseModel):
    """A problem (its matter, kind and hall, as grouped) with its count this month and its baseline."""

    matter: str | None = None
    kind: str | None = None
    hall: str | None = None
    current: int
    baseline: float
    total: int
    months_present: int
    rising: bool


class HighFrequencyReport(BaseModel):
    month: str
    group_by: list[str]
    recurring: list[Trend]
    rising: list[Trend]
