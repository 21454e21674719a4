"""Intake's tables.

The case row holds the applicant's personal data (intake is its only keeper), sealed
(`personal_data`: ciphertext, blind indexes, masked forms); everything around
the case — its transitions, missing items (容缺), batch items, attachments' metadata, the work
orders and SLA cards it has heard of — lives in child tables keyed by the case id.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.clock import now_utc
from shared.ids import new_id


class Case(SQLModel, table=True):
    """A case (案件) as intake owns it."""

    # The queues (GET /queues/{name}): a state within a district or hall, by the reply's deadline.
    __table_args__ = (
        Index("ix_case_queue_district", "district", "state", "reply_due_at"),
        Index("ix_case_queue_hall", "hall", "state", "reply_due_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True)
    case_number: str = Field(unique=True, index=True)
    district: str = Field(index=True)
    hall: str = Field(index=True)
    channel: str
    problem_kind: str
    matter_code: str | None = None
    description: str
    complexity_tier: str
    green_channel: bool = False
    # The district pack version it was registered under: routing and sla decide it by that version
    # (none: registered before packs were versioned, decided by the newest).
    pack_version: int | None = None
    applicant_kind: str
    # Sealed (v1:<kid>:<nonce>:<ciphertext>, services/intake/store/personal_data.py); never plaintext.
    applicant_name: str
    applicant_phone: str
    applicant_email: str | None = None
    applicant_id_type: str | None = None
    applicant_id_number: str | None = None
    applicant_credit_code: str | None = None
    applicant_contact_name: str = ""
    # Blind indexes (keyed hashes) for exact lookups, and what responses show.
    applicant_phone_index: str | None = Field(default=None, index=True)
    applicant_id_number_index: str | None = Field(default=None, index=True)
    applicant_credit_code_index: str | None = Field(default=None, index=True)
    applicant_name_index: str | None = Field(default=None, index=True)  # the exact full name, normalised
    applicant_masked: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(index=True)
    resume_to: str | None = None  # the state a paused case returns to
    first_responder: str  # 首问负责人: who registered it and owns it
    satisfaction: str | None = None
    reply: str = ""
    merged_into: str | None = None
    hotline_order_id: str | None = Field(default=None, unique=True)
    hotline_revision: int | None = None
    # Where the problem is, as an Open311 client reports it (WGS84); media_url is a reference only.
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    media_url: str | None = None
    # The reply's deadline as sla last armed it (sla.deadline_armed, subject case); None while paused or unarmed.
    # Queues sort by it; the citizen's follow page shows it as the promised date.
    reply_due_at: datetime | None = None
    # When the letter, call or visit came in: created_at, or earlier when entered later (补录).
    received_at: datetime = Field(default_factory=now_utc)
    created_at: datetime = Field(default_factory=now_utc)
    updated_at: datetime = Field(default_factory=now_utc)


class Open311Key(SQLModel, table=True):
    """An Open311 client's api_key: its SHA-256 only (the key is 256 random bits, shown once), the
    client's name and the districts it may post to."""

    __tablename__ = "open311_key"

    key_hash: str = Field(primary_key=True)
    client: str = Field(index=True)
    districts: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now_utc)
    revoked_at: datetime | None = None


class CaseTransition(SQLModel, table=True):
    """One step of the lifecycle: who, when, why (the case history shown to staff)."""

    __tablename__ = "case_transition"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.id", index=True)
    action: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str = ""


class MissingItemRow(SQLModel, table=True):
    """An item accepted as missing (容缺受理), tracked until supplied or waived."""

    __tablename__ = "missing_item"

    case_id: str = Field(foreign_key="case.id", primary_key=True)
    item_no: int = Field(primary_key=True)
    name: str
    note: str = ""
    due_on: date
    state: str = "pending"
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str = ""


class BatchItemRow(SQLModel, table=True):
    """One item of a batch registration, trackable on its own."""

    __tablename__ = "batch_item"

    case_id: str = Field(foreign_key="case.id", primary_key=True)
    item_no: int = Field(primary_key=True)
    label: str
    state: str = "pending"
    updated_at: datetime | None = None
    updated_by: str | None = None
    reason: str = ""


class Attachment(SQLModel, table=True):
    """An attachment (附件) of a case. Described at registration, it is metadata only (the file is in the hall's
    document store); uploaded, its bytes are intake's object `file_id` (store/objects.py). A citizen's upload
    waits with no case until its report claims it, and is swept after `expires_at` (docs/attachments.md)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: str | None = Field(default=None, foreign_key="case.id", index=True)  # None: pending, not yet claimed
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str | None = None
    description: str = ""
    file_id: str | None = Field(default=None, unique=True)  # the stored object's id (its key: attachments/<id>)
    uploaded_by: str | None = None  # the actor: person:<sub>, or public:<client address> for a citizen
    uploaded_at: datetime | None = None
    expires_at: datetime | None = Field(default=None, index=True)  # set while pending


class CaseWorkOrder(SQLModel, table=True):
    """A work order routing dispatched for the case, as intake heard of it."""

    __tablename__ = "case_work_order"

    work_order_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    department: str
    role: str
    # dispatched | replied | returned | cancelled (撤销: the case was withdrawn, merged or referred out of scope)
    state: str = "dispatched"
    round: int = 1  # the case's dispatch round it belongs to: 2 and on are a redo (重办)


class CaseReferralAdvice(SQLModel, table=True):
    """Routing's advice that the case is out of scope (不属于政务服务范围): where to refer it and what to tell the
    person. Staff confirm it (refer_out_of_scope) or overrule it (routing's assignment); the latest advice only."""

    __tablename__ = "case_referral_advice"

    case_id: str = Field(primary_key=True)
    targets: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))  # code, name, kind
    explanation: str  # what staff tell the person (zh)
    reason: str  # the rule that matched
    advised_at: datetime


class CaseCard(SQLModel, table=True):
    """A yellow or red card sla issued on the case or one of its work orders."""

    __tablename__ = "case_card"

    supervision_id: str = Field(primary_key=True)
    colour: str = Field(primary_key=True)  # a yellow card may later be followed by a red one
    case_id: str = Field(index=True)
    subject: str
    department: str | None = None
    reason: str
    issued_at: datetime


class CaseNumberSequence(SQLModel, table=True):
    """The last sequence number handed out per hall and local day."""

    __tablename__ = "case_number_sequence"

    hall: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    last: int = 0


class IdempotencyRecord(SQLModel, table=True):
    """The response given to a creating POST, replayed when the same Idempotency-Key returns."""

    __tablename__ = "idempotency_record"

    scope: str = Field(primary_key=True)  # e.g. "POST /cases"
    key: str = Field(primary_key=True)
    fingerprint: str  # sha256 of the canonical request
    status_code: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now_utc, index=True)


class HotlineDelivery(SQLModel, table=True):
    """A 12345 webhook delivery id already accepted: the same id again is a replay."""

    __tablename__ = "hotline_delivery"

    delivery_id: str = Field(primary_key=True)
    received_at: datetime = Field(default_factory=now_utc, index=True)


class PublicChallenge(SQLModel, table=True):
    """A proof of work handed to a citizen's page before it may ask for an SMS code: used once, then spent."""

    __tablename__ = "public_challenge"

    id: str = Field(default_factory=new_id, primary_key=True)
    seed: str
    difficulty_bits: int
    expires_at: datetime = Field(index=True)
    spent_at: datetime | None = None


class PhoneVerification(SQLModel, table=True):
    """An SMS code sent to prove a phone (report) or a case's own phone (follow). Only the code's keyed hash is
    kept, and the phone's blind index; `case_id` is the followed case, None for a report or a phone that is
    not the case's (that request got the same answer, but no code can match)."""

    __tablename__ = "phone_verification"

    id: str = Field(default_factory=new_id, primary_key=True)
    purpose: str  # report | follow
    phone_index: str = Field(index=True)
    case_id: str | None = None
    code_hash: str | None = None  # None: no code was sent (a follow to a phone not the case's)
    failures: int = 0
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
    burnt_at: datetime | None = None  # too many wrong codes
    created_at: datetime = Field(default_factory=now_utc)
