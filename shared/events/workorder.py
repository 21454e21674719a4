"""Work-order events (工单). Producer: routing. Consumers: intake, sla, notify, audit.

`WorkOrderDispatched` also goes to the department's own topic (`bancheng.dept.<code>.workorders`);
departments' systems answer with the commands in `shared.events.commands`.
"""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from shared.events.base import Event
from shared.events.case import Tier

Role = Literal["lead", "assisting"]
ReturnReason = Literal["wrong_locality", "unclear_ownership", "overlapping_duties", "other"]


class WorkOrderDispatched(Event):
    """A work order was dispatched (转办) to a department, as lead (主办) or assisting (协办)."""

    type = "workorder.dispatched"

    work_order_id: str
    case_number: str
    department: str = Field(examples=["market"])
    role: Role
    matter_code: str | None = None
    tier: Tier
    reason: str = Field(description="Why this department: the routing rule that decided")
    catalogue_version: int | None = Field(default=None, description="The district pack version that decided")
    round: int = Field(default=1, ge=1, description="The case's dispatch round: 2 and on are a redo (重办)")
    green_channel: bool = Field(default=False, description="绿色通道: the tier is the channel's; handle it first")
    priority: int = Field(default=0, ge=0, description="Its place in the department's inbox: higher first")


class ManualTriageRequired(Event):
    """No rule was sure (人工研判): staff must choose; the best guess and the reason are shown."""

    type = "workorder.manual_triage_required"

    case_number: str
    best_guess: str | None
    confidence: float
    reason: str


class WorkOrderSignedFor(Event):
    """The department signed for it (签收): its clock starts here."""

    type = "workorder.signed_for"

    work_order_id: str
    case_number: str
    department: str


class WorkOrderReplied(Event):
    type = "workorder.replied"

    work_order_id: str
    case_number: str
    department: str
    reply: str


class WorkOrderReturned(Event):
    """Returned (退单) with a reason code; routing re-routes it."""

    type = "workorder.returned"

    work_order_id: str
    case_number: str
    department: str
    reason: ReturnReason
    note: str = ""
    return_count: int = Field(description="How many times this case's work orders were returned so far")


class WorkOrderCancelled(Event):
    """Cancelled (撤销): the case ended without a reply — withdrawn by the person (撤回), merged into
    another case (并单) or referred out of scope by staff (不属于受理范围) — or, for an assisting order (协办), its
    lead returned the case (退单) and it was routed elsewhere: the department stops work on it.
    Also on the department's own topic."""

    type = "workorder.cancelled"

    work_order_id: str
    case_number: str
    department: str
    cause: Literal["withdrawn", "merged", "referred_out_of_scope", "lead_returned"]
    reason: str = Field(description="The reason given when the case was withdrawn, merged or referred, or why it "
                                    "was routed elsewhere")
    into_case_number: str | None = Field(default=None, description="The case it was merged into (并单)")


class PingPongDetected(Event):
    """A work order bounced between the same departments: a supervisor must decide."""

    type = "workorder.pingpong_detected"

    work_order_id: str
    case_number: str
    departments: list[str]


class ExtensionRequested(Event):
    """An extension (延期) was asked for: new date, legal basis, reason."""

    type = "workorder.extension_requested"

    work_order_id: str
    case_number: str
    department: str
    requested_due_at: AwareDatetime
    legal_basis: str
    reason: str


class ExtensionDecided(Event):
    type = "workorder.extension_decided"

    work_order_id: str
    case_number: str
    department: str
    approved: bool
    new_due_at: AwareDatetime | None = None
    supervisor: str
    comment: str = ""


class WorkOrderEscalated(Event):
    """Escalated (提级) to the district or city coordinator."""

    type = "workorder.escalated"

    work_order_id: str
    case_number: str
    level: Literal["district", "city"]
    coordinator: str
    reason: str


class CoordinationMeetingRecorded(Event):
    type = "workorder.coordination_meeting_recorded"

    work_order_id: str
    case_number: str
    participants: list[str]
    decision: str


class ReplyContribution(BaseModel):
    """One department's answer that went into the case reply."""

    department: str
    role: Role
    reply: str


class CaseReplyComposed(Event):
    """Every work order is answered; the lead department composed the reply to the citizen."""

    type = "workorder.case_reply_composed"

    case_number: str
    lead_department: str
    reply: str
    contributions: list[ReplyContribution] = Field(default_factory=list)


class ReferralTarget(BaseModel):
    code: str
    name: str
    kind: Literal["department", "outside_body"]


class OutOfScopeReferralAdvised(Event):
    """Routing found the case out of scope (不属于政务服务范围): staff explain it and refer it; no work order."""

    type = "workorder.referral_advised"

    case_number: str
    targets: list[ReferralTarget]
    explanation: str = Field(description="What staff tell the person, in Chinese")
    reason: str


class SupervisorReviewRequired(Event):
    """Returned too often (退单次数超限): a supervisor (督办) must choose the department."""

    type = "workorder.supervisor_review_required"

    work_order_id: str
    case_number: str
    departments: list[str] = Field(description="The lead departments the case went through, in order")
    reason: str
