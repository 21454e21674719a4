"""Routing's public request and response models: work orders, routed cases with suggestions, the catalogue.

Read from the rows (`from_attributes`); times are UTC with their offset (shared.api_models)."""

from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from shared.api_models import PublicModel, UtcDateTime
from services.routing.domain.catalogue import Department, Level, Matter
from services.routing.domain.returns import ReturnReason


class ExtensionPublic(BaseModel):
    """An extension request (延期) and, once decided, the supervisor's decision (approved null while pending)."""

    requested_at: UtcDateTime
    new_due_at: UtcDateTime
    legal_basis: str
    reason: str
    approved: bool | None
    decided_by: str | None
    decided_at: UtcDateTime | None
    comment: str


class EscalationPublic(BaseModel):
    level: str
    coordinator: str
    requested_by: str
    reason: str
    at: UtcDateTime


class MeetingPublic(BaseModel):
    held_at: UtcDateTime
    convened_by: str
    participants: list[str]
    decision: str


class WorkOrderPublic(PublicModel):
    """A work order (工单) addressed to one department, with its extensions, escalations and meetings."""

    id: str
    case_id: str
    case_number: str
    district: str
    hall: str | None
    department: str
    role: str
    matter_code: str | None
    tier: str
    state: str
    reason: str
    created_at: UtcDateTime
    due_at: UtcDateTime | None
    signed_at: UtcDateTime | None
    reply: str | None
    replied_by: str | None
    replied_at: UtcDateTime | None
    return_reason: str | None
    return_note: str
    returned_at: UtcDateTime | None
    cancelled_at: UtcDateTime | None
    coordinator: str | None
    extensions: list[ExtensionPublic]
    escalations: list[EscalationPublic]
    meetings: list[MeetingPublic]
    round: int = Field(description="The case's dispatch round it was sent in: 2 and on are a redo (重办)")
    green_channel: bool = Field(description="绿色通道: the order takes the channel's tier and comes first")
    priority: int = Field(description="Its place in the department's inbox: higher first, ordinary orders 0")


class ReferralTargetPublic(BaseModel):
    code: str
    name: str
    kind: str


class RoutedCasePublic(PublicModel):
    """What routing decided for a case and why, and its route so far."""

    case_id: str
    case_number: str
    district: str
    hall: str | None
    problem_kind: str
    matter_code: str | None
    description: str
    tier: str
    suggested_departments: list[str]
    state: str
    reason: str
    best_guess: str | None
    confidence: float
    catalogue_version: int
    route: list[str]
    returns: list[str]
    referral: list[ReferralTargetPublic]
    reply: str | None
    replied_at: UtcDateTime | None
    created_at: UtcDateTime
    round: int = Field(description="The dispatch round in progress: 2 and on are a redo (重办)")
    green_channel: bool


class SuggestedLead(BaseModel):
    department: str
    confidence: float
    supporting_cases: list[str]


class SimilarCase(BaseModel):
    case_id: str
    similarity: float
    lead: str
    assisting: list[str]
    matter_code: str | None
    resolution: str


class Suggestions(BaseModel):
    """Drawn from similar replied cases; never dispatched on their own (`applied` is always false)."""

    applied: bool
    suggested_lead: SuggestedLead | None
    similar_cases: list[SimilarCase]


class CaseRoutingPublic(RoutedCasePublic):
    suggestions: Suggestions


class DepartmentPublic(Department):
    topic: str


class CatalogueDocument(BaseModel):
    """The catalogue version in force: departments (with their topics) and matters."""

    district: str
    version: int
    departments: list[DepartmentPublic]
    matters: list[Matter]


class PackVersionPublic(PublicModel):
    district: str
    version: int
    change: str
    changed_by: str
    created_at: UtcDateTime


class PackDocument(BaseModel):
    """A version of a district pack: the whole pack as `shared/districts/schema.py` DistrictPack reads it."""

    district: str
    version: int
    pack: dict[str, Any]


class ReplyIn(BaseModel):
    reply: str = Field(min_length=1)


class ReturnIn(BaseModel):
    reason: ReturnReason | None = Field(None, description="属地不符 / 权属不清 / 职能交叉 / 其他")
    note: str = ""


class ExtensionIn(BaseModel):
    requested_due_at: AwareDatetime
    legal_basis: str
    reason: str


class ExtensionDecisionIn(BaseModel):
    approve: bool
    comment: str = ""


class EscalationIn(BaseModel):
    level: Level
    reason: str


class MeetingIn(BaseModel):
    convened_by: str = Field(min_length=1, description="the coordinating unit that held the meeting")
    participants: list[str]
    decision: str


class AssignIn(BaseModel):
    lead: str = Field(min_length=1, examples=["market"])
    assisting: list[str] = Field(default_factory=list)
