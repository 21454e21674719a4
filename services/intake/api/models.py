"""Intake's public models: what the staff API, the citizen lookup and the 12345 webhook answer, and the bodies
only routes take (the commands every channel shares are in commands.py).

The responses describe the JSON `store/views.case_body` builds (the API document and generated clients read
them); times are UTC with their offset (shared.api_models)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.api_models import Page, PublicModel, UtcDateTime
from shared.districts.schema import Channel
from shared.events.case import RevealedField
from services.intake.commands import RAW_TEXT_MAX
from services.intake.domain.applicant import ApplicantKind
from services.intake.domain.batch import BatchItemState
from services.intake.domain.identity import IdType
from services.intake.domain.lifecycle import ActionKind
from services.intake.domain.search import Recognised
from services.intake.store.personal_data import SEALED_FIELDS


class ApplicantPublic(BaseModel):
    """The applicant masked (张*, 138****5678); `POST /cases/{id}/reveal` shows the sealed fields whole."""

    kind: str
    name: str
    phone: str
    email: str | None
    id_type: str | None
    id_number: str | None
    credit_code: str | None
    contact_name: str


class BatchItemPublic(BaseModel):
    item_no: int
    label: str
    state: str
    updated_at: UtcDateTime | None
    updated_by: str | None
    reason: str
    reference: str = Field(description="The item's own number: the case number and its item number")


class ItemProgress(BaseModel):
    total: int
    pending: int
    blocked: int
    completed: int
    dropped: int


class TransitionPublic(BaseModel):
    id: int | None
    action: str
    from_state: str
    to_state: str
    actor: str
    at: UtcDateTime
    reason: str


class MissingItemPublic(BaseModel):
    item_no: int
    name: str
    note: str
    due_on: date
    state: str
    resolved_at: UtcDateTime | None
    resolved_by: str | None
    resolution_note: str


class AttachmentPublic(BaseModel):
    id: int | None
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str | None
    description: str


class CaseWorkOrderPublic(BaseModel):
    work_order_id: str
    department: str
    role: str
    state: str
    round: int = Field(description="The dispatch round: 2 and on are a redo (重办) after a dissatisfied callback")


class CardPublic(BaseModel):
    supervision_id: str
    colour: str
    subject: str
    department: str | None
    reason: str
    issued_at: UtcDateTime


class StuckPublic(PublicModel):
    """Why a case shows as stuck (domain/queues.py): `no_work_order` — forwarded `since`, no work order heard of."""

    reason: str = Field(examples=["no_work_order"])
    since: UtcDateTime
    zh: str
    en: str
class ReferralTargetPublic(BaseModel):
    code: str
    name: str
    kind: str  # department | outside_body


class ReferralAdvicePublic(BaseModel):
    """Routing's advice that the case is out of scope (不属于政务服务范围): confirm it with refer_out_of_scope
    (naming the target, explaining to the person) or overrule it in routing's triage (assign)."""

    targets: list[ReferralTargetPublic]
    explanation: str = Field(description="What to tell the person (zh)")
    reason: str
    advised_at: UtcDateTime
    status: Literal["advised", "confirmed", "overruled"]


class CasePublic(BaseModel):
    """A case (案件) with its history and everything tracked around it."""

    id: str
    case_number: str
    district: str
    hall: str
    channel: str
    problem_kind: str
    matter_code: str | None
    description: str
    complexity_tier: str
    green_channel: bool
    pack_version: int | None = Field(None, description="The district pack version it was registered under")
    applicant: ApplicantPublic
    state: str
    state_zh: str
    allowed_actions: list[ActionKind]
    resume_to: str | None
    first_responder: str
    satisfaction: str | None
    reply: str
    merged_into: str | None
    hotline_order_id: str | None
    hotline_revision: int | None
    # Where the problem is, as a citizen's Open311 client reported it (none for window cases).
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media_url: str | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    items: list[BatchItemPublic]
    item_progress: ItemProgress
    transitions: list[TransitionPublic]
    missing_items: list[MissingItemPublic]
    attachments: list[AttachmentPublic]
    work_orders: list[CaseWorkOrderPublic]
    round: int = Field(description="The case's dispatch round: 1, then 2, 3… for each redo (重办)")
    cards: list[CardPublic]
    referral_advice: ReferralAdvicePublic | None = None
    reply_due_at: UtcDateTime | None = None
    stuck: StuckPublic | None = Field(default=None, description="Set when the case looks dropped downstream")
    received_at: UtcDateTime | None = Field(default=None, description="When it came in; earlier if entered later")


class PendingMissingItem(BaseModel):
    name: str
    due_on: date


class LookupItem(BaseModel):
    item_no: int
    label: str
    state: str


class CaseStatusPublic(BaseModel):
    """What the citizen sees of a case: personal data masked."""

    case_number: str
    state: str
    state_zh: str
    applicant: str
    phone: str
    hall: str
    contact_phone: str
    registered_at: UtcDateTime
    updated_at: UtcDateTime
    reply: str
    missing_items_pending: list[PendingMissingItem]
    items: list[LookupItem]


class HotlineOrderResult(BaseModel):
    """What a 12345 delivery did: the case it maps to, whether it was created and whether it changed."""

    case_id: str
    case_number: str
    created: bool
    applied: bool


class RevealedApplicant(BaseModel):
    """The fields asked for, in clear (a field not asked for is absent)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    credit_code: str | None = None
    contact_name: str | None = None


class RevealedPersonalData(BaseModel):
    case_id: str
    case_number: str
    applicant: RevealedApplicant


class CaseSummary(PublicModel):
    """A case as lists and searches show it (a row of the console's tables), the applicant masked."""

    id: str
    case_number: str
    district: str
    hall: str
    channel: str
    problem_kind: str
    state: str
    green_channel: bool
    hotline_order_id: str | None
    reply_due_at: UtcDateTime | None = Field(description="The reply's deadline as sla armed it; null while paused")
    received_at: UtcDateTime
    created_at: UtcDateTime
    updated_at: UtcDateTime
    applicant: ApplicantPublic
    stuck: StuckPublic | None = None


class CaseSearchPage(Page[CaseSummary]):
    """A page of the cases found, and what the text was recognised as (every kind asked)."""

    recognised_as: list[Recognised]


# The registration form's choices at one hall (GET /halls/{hall}/registration-options), from the district's pack.
class KindOption(BaseModel):
    code: str
    name_zh: str
    name_en: str
    green_channel: bool
    consultation: bool


class MatterOption(BaseModel):
    code: str
    name_zh: str
    lead_department: str
    tier: str
    keywords: list[str]


class DepartmentOption(BaseModel):
    code: str
    name_zh: str
    name_en: str


class RegistrationOptions(BaseModel):
    """What the registration form offers at one hall."""

    district: str
    hall: str
    hall_name_zh: str
    channels: list[Channel]
    complexity_tiers: list[str]
    green_channel: bool
    problem_kinds: list[KindOption]
    matters: list[MatterOption]
    departments: list[DepartmentOption]


# Request bodies of the routes alone (the commands the domain takes are in commands.py).
class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MissingItemResolutionIn(_Body):
    note: str = Field(default="", max_length=RAW_TEXT_MAX)


class BatchItemMoveIn(_Body):
    to: BatchItemState
    reason: str = Field(default="", max_length=RAW_TEXT_MAX)


class StatusLookupIn(_Body):
    case_number: str = Field(max_length=40, examples=["FT-20261121-0042"])
    phone_last4: str = Field(pattern=r"^\d{4}$", examples=["5678"])


class RevealIn(_Body):
    """Why the whole personal data is needed; recorded, with who asked, in the audit log."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=200)] = Field(
        examples=["回访前核实来电人身份"])
    fields: list[RevealedField] = Field(
        default_factory=lambda: list(SEALED_FIELDS), min_length=1, description="Which fields to show; all by default")


class CaseSearchIn(_Body):
    """What staff know of a case, in the body (a query string would be logged)."""

    q: str = Field(max_length=200, examples=["FT-20261121-0042", "13812345678", "11010519491231002X", "王芳"])


class ApplicantLookupIn(_Body):
    """Cases of one applicant, found by blind index (in the body: a query string would be logged)."""

    phone: str | None = Field(default=None, max_length=40, examples=["13812345678"])
    id_number: str | None = Field(default=None, max_length=40, examples=["11010519491231002X"])

    @model_validator(mode="after")
    def _one_of(self) -> "ApplicantLookupIn":
        if not (self.phone or self.id_number):
            raise ValueError("give phone or id_number")
        return self


# The 12345 platform's order, as its webhook posts it (docs/intake-12345.md).
class HotlineCaller(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the platform may add fields; we read what we map

    kind: ApplicantKind = ApplicantKind.person
    name: str = Field(max_length=200)
    phone: str = Field(max_length=40)
    id_type: IdType | None = None
    id_number: str | None = Field(default=None, max_length=40)
    credit_code: str | None = Field(default=None, max_length=40)


class HotlineOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: str = Field(min_length=1, max_length=64, examples=["SZ12345-20261121-000123"])
    revision: int = Field(ge=1, description="Grows with every change of the order on the 12345 side")
    status: Literal["open", "withdrawn"] = "open"
    hall: str = Field(min_length=1, max_length=6, description="Prefix of the hall the order is assigned to")
    category: str = Field(min_length=1, max_length=64, description="A problem kind of the hall's district")
    content: str = Field(max_length=20_000)
    urgent: bool = False
    matter_code: str | None = Field(default=None, max_length=64)
    caller: HotlineCaller
    withdraw_reason: str = Field(default="", max_length=1000)


class CaseAttachmentPublic(BaseModel):
    """An attachment of a case: uploaded (its file can be downloaded) or described at registration (metadata
    only). `file_name` is masked for those who see personal data masked."""

    id: int
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str | None
    description: str
    stored: bool = Field(description="Whether intake holds the file (GET .../content)")
    uploaded_by: str | None
    uploaded_at: UtcDateTime | None


class CaseAttachments(BaseModel):
    items: list[CaseAttachmentPublic]


class PendingAttachmentPublic(BaseModel):
    """A citizen's upload, waiting for the report that names it in `attachment_ids`."""

    attachment_id: str
    expires_at: UtcDateTime
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str


# The citizen's own pages (api/public.py, docs/citizen.md).
class PublicDistrict(BaseModel):
    code: str
    name_zh: str
    name_en: str


class PublicHall(BaseModel):
    code: str
    name_zh: str


class PublicProblemKind(BaseModel):
    code: str
    name_zh: str
    name_en: str
    consultation: bool


class PublicDistrictDetail(PublicDistrict):
    halls: list[PublicHall]
    problem_kinds: list[PublicProblemKind]


class ChallengeOut(BaseModel):
    """Find `nonce` such that sha256(seed + nonce) (UTF-8 text) starts with `difficulty_bits` zero bits."""

    challenge_id: str
    seed: str
    difficulty_bits: int
    expires_at: UtcDateTime


class VerificationOut(BaseModel):
    verification_id: str
    expires_at: UtcDateTime
    resend_after_s: int


class ReportOut(BaseModel):
    case_number: str
    registered_at: UtcDateTime
    district_name_zh: str
    hall_name_zh: str
    problem_kind_zh: str
    follow_token: str
    promised_reply_by: UtcDateTime | None = Field(description="Null: sla promises a date once the case is accepted")


class FollowReply(BaseModel):
    at: UtcDateTime
    text: str


class FollowMissingItem(BaseModel):
    name: str
    due: date


class FollowOut(BaseModel):
    """What the citizen sees of a case they proved: no personal data, free text masked."""

    follow_token: str
    case_number: str
    state: str
    state_zh: str
    registered_at: UtcDateTime
    promised_reply_by: UtcDateTime | None = Field(description="The case's deadline as sla armed it; null before "
                                                              "acceptance and while paused")
    replies: list[FollowReply]
    missing_items: list[FollowMissingItem]
    can_rate: bool


class RatingOut(BaseModel):
    case_number: str
    state: str
    state_zh: str
