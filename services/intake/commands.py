"""Intake's commands: what registering a case or taking a lifecycle step asks for, the same whoever asks (the
window's routes, the 12345 webhook, Open311, a subscriber). No HTTP here: the routes take these as their bodies,
the handlers build them from events.

Shapes and enums are checked here; meaning (ID check digits, the district's problem kinds, text limits) is
checked by the domain, so both give the same bilingual 422. Class names are those of the API document's schemas
(`CaseCreate`, `ActionIn`), which generated clients read."""

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.districts.schema import Channel, ComplexityTier
from shared.tracing import TraceHeaders
from services.intake.domain.applicant import ApplicantKind
from services.intake.domain.identity import IdType
from services.intake.domain.lifecycle import ActionKind, Satisfaction

# Raw strings are bounded well above the domain's limits, so the domain names the real limit
# while a megabyte of junk is still refused before it is parsed further.
RAW_TEXT_MAX = 20_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicantIn(_Body):
    kind: ApplicantKind
    name: str | None = Field(default=None, max_length=RAW_TEXT_MAX, examples=["张三"])
    phone: str | None = Field(default=None, max_length=40, examples=["13812345678"])
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    id_type: IdType | None = None
    id_number: str | None = Field(default=None, max_length=40)
    credit_code: str | None = Field(default=None, max_length=40)
    contact_name: str | None = Field(default=None, max_length=RAW_TEXT_MAX)


class AttachmentIn(_Body):
    """Metadata only: the file goes to the hall's document store, not through intake."""

    file_name: str = Field(min_length=1, max_length=255, examples=["银行同意函.pdf"])
    content_type: str = Field(max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$", examples=["application/pdf"])
    size_bytes: int = Field(ge=0, le=200 * 1024 * 1024)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    description: str = Field(default="", max_length=200)


class CaseCreate(_Body):
    hall: str = Field(min_length=1, max_length=6, examples=["FT"], description="The hall's case-number prefix")
    channel: Channel
    problem_kind: str = Field(min_length=1, max_length=64, examples=["missing_materials"])
    matter_code: str | None = Field(default=None, max_length=64, examples=["lease_filing"])
    description: str | None = Field(default=None, max_length=RAW_TEXT_MAX)
    complexity_tier: ComplexityTier | None = Field(
        default=None, description="Defaults to general, or the district's first tier if it has no general"
    )
    green_channel: bool = False
    applicant: ApplicantIn
    items: list[str] = Field(default_factory=list, description="Batch registration: one label per item")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    forward: bool = Field(default=True, description="Accept and forward (登记转发) at once")
    received_at: AwareDatetime | None = Field(
        default=None, examples=["2026-11-18T09:30:00+08:00"],
        description="When a letter or call came in, if earlier than now: deadlines count from it; bounded by the "
                    "district's max_backdate_days for the channel")
    suggested_departments: list[str] = Field(default_factory=list, max_length=10)
    # Where the problem is (WGS84) and a link to a photo, as Open311 clients report them (docs/open311.md).
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
    media_url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")

    @model_validator(mode="before")
    @classmethod
    def _flat_applicant(cls, data: Any) -> Any:
        """The first body shape (`applicant_kind`, `applicant_name`, `applicant_phone` at the top)
        is still accepted: existing clients and the e2e load helpers post it."""
        if isinstance(data, dict) and "applicant" not in data and "applicant_kind" in data:
            data = dict(data)
            data["applicant"] = {key: data.pop(f"applicant_{key}") for key in ("kind", "name", "phone")
                                 if f"applicant_{key}" in data}
        return data


class MissingItemIn(_Body):
    name: str = Field(max_length=RAW_TEXT_MAX, examples=["银行同意函"])
    due_on: date
    note: str = Field(default="", max_length=RAW_TEXT_MAX)


class ActionIn(_Body):
    """One lifecycle step. `reason` is the reply, resolution or explanation where the step has one."""

    action: ActionKind
    reason: str = Field(default="", max_length=RAW_TEXT_MAX)
    satisfaction: Satisfaction | None = None
    merged_into: str | None = Field(default=None, max_length=40, description="Case number of the surviving case")
    missing_items: list[MissingItemIn] = Field(default_factory=list, description="容缺受理: accept only")
    referral_target: str | None = Field(default=None, max_length=200, examples=["小区物业服务中心"])
    expected_resume_on: date | None = None
    suggested_departments: list[str] = Field(default_factory=list, max_length=10)
    exemplary: bool = False


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Who registered the case, for hotline cases the 12345 order it came from, and the request's trace
    context (its events are built by the group commit, outside the request's span)."""

    actor: str
    actor_detail: str | None = None  # the token's name, roles and org unit (shared/auth/principal.py)
    hotline_order_id: str | None = None
    hotline_revision: int | None = None
    trace_context: TraceHeaders | None = None


# The citizen's own pages (api/public.py, no login): bounded tightly, as anyone may post them.
Purpose = Literal["report", "follow"]
CASE_NUMBER_MAX = 40


class VerificationCodeIn(_Body):
    """Ask for an SMS code, with a solved proof of work (`POST /public/challenges`)."""

    phone: str = Field(min_length=1, max_length=40, examples=["13812345678"])
    purpose: Purpose
    challenge_id: str = Field(min_length=1, max_length=64)
    nonce: str = Field(min_length=1, max_length=64)
    case_number: str | None = Field(default=None, max_length=CASE_NUMBER_MAX, description="follow only")
    district: str | None = Field(default=None, max_length=64, examples=["demo"],
                                 description="report only, optional: the district reported to, whose rules pick "
                                             "the channel the code goes on (SMS by default)")


class CitizenReport(_Body):
    """A problem a citizen reports from the mobile page, with the phone proved by an SMS code."""

    district: str = Field(min_length=1, max_length=64, examples=["demo"])
    hall: str | None = Field(default=None, max_length=6, description="The district's first hall if none")
    problem_kind: str = Field(min_length=1, max_length=64, examples=["missing_materials"])
    description: str = Field(max_length=RAW_TEXT_MAX)
    name: str | None = Field(default=None, max_length=200)
    phone: str = Field(min_length=1, max_length=40)
    verification_id: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=12)
    attachment_ids: list[str] = Field(default_factory=list, max_length=10)
    channel: Literal["web", "terminal"] = Field(
        default="web", description="web: the citizen's own phone; terminal: a hall's self-service terminal (自助终端)")


class FollowIn(_Body):
    """Follow a case: its number and either the phone's last four digits or an SMS code sent to that phone."""

    case_number: str = Field(min_length=1, max_length=CASE_NUMBER_MAX)
    phone_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    verification_id: str | None = Field(default=None, max_length=64)
    code: str | None = Field(default=None, max_length=12)


class RatingIn(_Body):
    """The citizen's own callback (自助回访) on the reply."""

    follow_token: str = Field(min_length=1, max_length=200)
    satisfaction: Satisfaction
    comment: str = Field(default="", max_length=RAW_TEXT_MAX)
