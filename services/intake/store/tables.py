"""Intake's tables.

The case row holds the applicant's personal data (intake is its only keeper), sealed
(`personal_data`: ciphertext, blind indexes, masked forms); everything around
the case — its transitions, missing items (容缺), batch items, attachments' metadata, the work
orders and SLA cards it has heard of — lives in child tables keyed by the case id.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from shared.clock import now_utc
from shared.ids import new_id


class Case(SQLModel, table=True):
    """A case (案件) as intake owns it."""

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
    """An attachment's metadata; the file itself lives in the hall's document store."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case.id", index=True)
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str | None = None
    description: str = ""


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
