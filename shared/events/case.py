"""Case events (案件). Producer: intake. Consumers: routing, sla, notify, audit.

Personal data (names, ID and phone numbers) never travels on the case stream, only masked forms;
the citizen's contact goes on its own topic (`CaseContactRecorded`), which only notify reads, sealed
under the transport key that only intake and notify hold.
"""

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from shared.events.base import Event
from shared.personal_data import Keyring


class CaseState(StrEnum):
    """Where a case stands, as intake's lifecycle names it: the one vocabulary of case states (audit's read model
    and statistics speak it too; `tests/unit/test_case_state_vocabulary.py` holds intake's to it)."""

    registered = "registered"  # 登记
    accepted = "accepted"  # 受理
    resolved_on_spot = "resolved_on_spot"  # 现场处理
    referred_out_of_scope = "referred_out_of_scope"  # 不属于受理范围
    dispatched = "dispatched"  # 登记转发
    replied = "replied"  # 答复
    callback_recorded = "callback_recorded"  # 回访
    reopened = "reopened"  # 重办
    reviewed = "reviewed"  # 回头看
    archived = "archived"  # 归档
    paused = "paused"  # 暂停
    withdrawn = "withdrawn"  # 撤回
    merged_as_duplicate = "merged_as_duplicate"  # 并单


Channel = Literal["walk_in", "phone", "letter", "web", "terminal", "hotline_12345", "open311"]
Tier = Literal["immediate", "simple", "general", "complex"]
Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]


class CaseRegistered(Event):
    """A case was registered (登记) at a hall's window or through a channel."""

    type = "case.registered"

    case_number: str = Field(examples=["FT-20261121-0042"])
    hall: str
    channel: Channel
    problem_kind: str = Field(examples=["missing_materials"])
    matter_code: str | None = Field(default=None, examples=["lease_filing"])
    description: str
    tier: Tier = "general"
    green_channel: bool = False
    consultation: bool = Field(default=False, description="咨询: the district's pack counts this kind apart from "
                                                          "办件 cases (DistrictPack.consultation_kinds)")
    applicant_kind: Literal["person", "enterprise"]
    applicant_masked: str = Field(description="e.g. 张* / 深圳市某某有限公司")
    hotline_order_id: str | None = Field(
        default=None, description="The 12345 platform's order id, if it came from there"
    )
    batch_items: int = Field(default=0, description="How many items a batch registration holds (0: not a batch)")
    attachments: int = Field(default=0, description="How many attachments were described at registration")
    received_at: AwareDatetime | None = Field(
        default=None, description="When the letter, call or visit came in; earlier than the registration when it "
                                  "was entered later (the reply's clock starts then). Absent from older events")
    pack_version: int | None = Field(
        default=None, description="The district pack's version the case was registered under (none before packs "
                                  "were versioned: the district's newest)")


class Contact(BaseModel):
    """The citizen's contact for notifications: what `CaseContactRecorded.sealed_contact` holds."""

    name: str
    phone: str | None = None
    email: str | None = None


class CaseContactRecorded(Event):
    """The citizen's contact for notifications. Only on `bancheng.case.contacts`; only notify opens it.

    Version 2: the contact is sealed (version 1 carried it in plaintext)."""

    type = "case.contact_recorded"
    version = 2

    case_number: str
    sealed_contact: str = Field(
        description="The contact ({name, phone, email} as JSON) sealed under the transport key intake and "
                    "notify hold (BANCHENG_PII_TRANSPORT_KID), bound to the envelope's case id",
        examples=["v1:t2026:3q2-7wAAAAAAAAAA:Zm9v..."],
    )


def _contact_context(case_id: str) -> str:
    return f"bancheng.case.contacts:{case_id}"


def seal_contact(keyring: Keyring, *, case_id: str, case_number: str, contact: Contact) -> CaseContactRecorded:
    sealed = keyring.seal(contact.model_dump_json(), context=_contact_context(case_id), kid=keyring.transport)
    return CaseContactRecorded(case_number=case_number, sealed_contact=sealed)


def open_contact(keyring: Keyring, event: CaseContactRecorded, *, case_id: str) -> Contact:
    """The contact, or `SealedValueError` (a wrong key, or a value moved from another case)."""
    return Contact.model_validate_json(keyring.open(event.sealed_contact, context=_contact_context(case_id)))


class VerificationCode(BaseModel):
    """What `VerificationCodeRequested.sealed_code` holds: the phone to text and the code itself."""

    phone: str
    code: str


class VerificationCodeRequested(Event):
    """A citizen's page asked for an SMS verification code (验证码) to report or follow a case. Only on
    `bancheng.case.contacts`, keyed by the verification id (the envelope's case id); only notify opens it
    and texts the code at once (no quiet hours). Intake keeps only the code's keyed hash."""

    type = "case.verification_code_requested"

    purpose: Literal["report", "follow"]
    expires_at: AwareDatetime
    sealed_code: str = Field(
        description="A VerificationCode ({phone, code} as JSON) sealed under the transport key, bound to the "
                    "envelope's case id (the verification id)",
        examples=["v1:t2026:3q2-7wAAAAAAAAAA:Zm9v..."],
    )


def _code_context(verification_id: str) -> str:
    return f"bancheng.case.contacts:verification:{verification_id}"


def seal_code(keyring: Keyring, *, verification_id: str, phone: str, code: str) -> str:
    return keyring.seal(VerificationCode(phone=phone, code=code).model_dump_json(),
                        context=_code_context(verification_id), kid=keyring.transport)


def open_code(keyring: Keyring, event: VerificationCodeRequested, *, verification_id: str) -> VerificationCode:
    """The phone and code, or `SealedValueError` (a wrong key, or a value moved from another request)."""
    return VerificationCode.model_validate_json(keyring.open(event.sealed_code,
                                                             context=_code_context(verification_id)))


class MissingItem(BaseModel):
    """One item accepted as missing (容缺受理), to be supplied by `due_on`."""

    item_no: int
    name: str
    due_on: date


class CaseAccepted(Event):
    """The case was accepted (受理); missing items, if any, are listed all at once (一次性告知)."""

    type = "case.accepted"

    case_number: str
    missing_items: list[MissingItem] = Field(default_factory=list)
    reason: str = ""


class CaseForwarded(Event):
    """Registered and forwarded (登记转发): routing dispatches work orders for it."""

    type = "case.forwarded"

    case_number: str
    hall: str
    problem_kind: str
    matter_code: str | None = None
    description: str
    tier: Tier = "general"
    green_channel: bool = False
    suggested_departments: list[str] = Field(default_factory=list, description="Staff's suggestion, if any")
    reason: str = ""
    round: int = Field(default=1, ge=1, description="The dispatch round: 1 the first, 2 and on a redo (重办) "
                                                      "after a dissatisfied callback")
    pack_version: int | None = Field(default=None, description="The case's district pack version (as registered)")


class CaseResolvedOnSpot(Event):
    """Handled on the spot at the window (现场处理)."""

    type = "case.resolved_on_spot"

    case_number: str
    resolution: str


class CaseReferredOutOfScope(Event):
    """Not a government-service matter (不属于受理范围): explained, referred, and still counted."""

    type = "case.referred_out_of_scope"

    case_number: str
    referral_target: str
    explanation: str


class CasePaused(Event):
    """The clock stops, with a reason (a public-notice period, waiting for an outside body)."""

    type = "case.paused"

    case_number: str
    reason: str
    expected_resume_on: date | None = None


class CaseResumed(Event):
    type = "case.resumed"

    case_number: str
    reason: str


class CaseReplied(Event):
    """The citizen got the answer (答复): every work order was answered, or the window replied."""

    type = "case.replied"

    case_number: str
    reply: str


class CallbackRecorded(Event):
    """The callback (回访) and its satisfaction; dissatisfied reopens the case for redo (重办)."""

    type = "case.callback_recorded"

    case_number: str
    satisfaction: Satisfaction
    comment: str = ""


class CaseReopened(Event):
    """Reopened for redo (重办) after a dissatisfied callback; staff forward it again as the next round."""

    type = "case.reopened"

    case_number: str
    reason: str


class CaseReviewed(Event):
    """Looked back at (回头看)."""

    type = "case.reviewed"

    case_number: str
    note: str = ""


class CaseArchived(Event):
    """Archived (归档); `exemplary` proposes it for the case library (案例库)."""

    type = "case.archived"

    case_number: str
    exemplary: bool = False
    solution: str = ""


class CaseWithdrawn(Event):
    type = "case.withdrawn"

    case_number: str
    reason: str


class CaseMerged(Event):
    """Merged into another case as a duplicate (并单)."""

    type = "case.merged"

    case_number: str
    into_case_id: str
    into_case_number: str
    reason: str


class MissingItemSupplied(Event):
    type = "case.missing_item_supplied"

    case_number: str
    item_no: int
    waived: bool = False
    at: AwareDatetime


class BatchItemMoved(Event):
    """One item of a batch registration changed state (pending, blocked, completed, dropped)."""

    type = "case.batch_item_moved"

    case_number: str
    item_no: int
    label: str
    state: Literal["pending", "blocked", "completed", "dropped"]
    reason: str = ""


class CaseDescriptionUpdated(Event):
    """The description changed after registration (a newer revision of a 12345 hotline order)."""

    type = "case.description_updated"

    case_number: str
    description: str
    source: str = Field(examples=["hotline_12345"])
    hotline_revision: int | None = None


RevealedField = Literal["name", "phone", "email", "id_number", "credit_code", "contact_name"]


class PersonalDataRevealed(Event):
    """A staff member saw a case's personal data unmasked (查看完整个人信息), with the reason they gave.
    Names the fields revealed, never their values; the envelope's actor is who saw them."""

    type = "case.personal_data_revealed"

    case_number: str
    fields: list[RevealedField] = Field(examples=[["name", "phone", "id_number"]])
    reason: str = Field(min_length=4, max_length=200, examples=["回访核实身份"])


class CaseAttachmentAdded(Event):
    """A file was attached to the case (添加附件) and stored by intake. The name is scrubbed of phones, ID numbers
    and e-mail addresses (`mask_text`), as every free text on the case stream; the bytes never travel."""

    type = "case.attachment_added"

    case_number: str
    attachment_id: int
    file_name: str = Field(examples=["租赁合同.pdf"])
    content_type: str = Field(examples=["application/pdf"])
    size_bytes: int
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source: Literal["staff", "citizen"] = Field(description="Uploaded by staff, or by the citizen with a report")
