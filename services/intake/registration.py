"""Registration (登记): validate a case against the domain and its district, store it, announce it.

Used by the window's HTTP route and by the 12345 webhook. The case stream gets masked forms only;
the contact (name, phone, email) goes on `bancheng.case.contacts`, which only notify reads.
"""

from dataclasses import dataclass
from datetime import datetime

from shared.consuming import Unit
from shared.events.case import CaseContactRecorded, CaseRegistered
from shared.topics import CASE_CONTACTS, CASE_EVENTS
from services.intake import store
from services.intake.domain.applicant import validate_applicant
from services.intake.domain.batch import open_batch_items
from services.intake.domain.case_number import case_number_for
from services.intake.domain.clock import local_date
from services.intake.domain.districts import ComplexityTier, District, DistrictCatalogue, classify_case
from services.intake.domain.errors import FieldProblem, InvalidInput
from shared.masking import mask_name
from services.intake.domain.text import validate_description
from services.intake.schemas import CaseCreate


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Who registered the case and, for hotline cases, the 12345 order it came from."""

    actor: str
    hotline_order_id: str | None = None
    hotline_revision: int | None = None


def _default_tier(district: District) -> ComplexityTier:
    tiers = district.complexity_tiers
    return ComplexityTier.general if ComplexityTier.general in tiers else tiers[0]


def _collect(problems: list[FieldProblem], check, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        problems.extend(error.problems)
        return None


async def register_case(
    unit: Unit, *, catalogue: DistrictCatalogue, case_in: CaseCreate, origin: Origin, now: datetime
) -> store.Case:
    """Validate every field at once (raising `InvalidInput` listing all problems), then store the
    case with its items and attachments and stage CaseRegistered and CaseContactRecorded."""
    problems: list[FieldProblem] = []
    hall_district = _collect(problems, catalogue.hall, case_in.hall)
    applicant_in = case_in.applicant
    applicant = _collect(
        problems, validate_applicant, kind=applicant_in.kind, name=applicant_in.name,
        phone=applicant_in.phone, today=local_date(now), id_type=applicant_in.id_type,
        id_number=applicant_in.id_number, credit_code=applicant_in.credit_code,
        contact_name=applicant_in.contact_name,
    )
    description = _collect(problems, validate_description, case_in.description)
    items = _collect(problems, open_batch_items, labels=case_in.items) if case_in.items else ()
    classification = None
    if hall_district is not None:
        hall, district = hall_district
        classification = _collect(
            problems, classify_case, district=district, channel=case_in.channel,
            problem_kind=case_in.problem_kind,
            complexity_tier=case_in.complexity_tier or _default_tier(district),
            green_channel_requested=case_in.green_channel,
        )
    if problems:
        raise InvalidInput(*problems)

    sequence = await store.next_sequence(unit.session, hall=hall.prefix, day=local_date(now))
    number = str(case_number_for(hall_prefix=hall.prefix, registered_at=now, sequence=sequence))
    case = store.Case(
        case_number=number, district=district.code, hall=hall.prefix, channel=classification.channel,
        problem_kind=case_in.problem_kind, matter_code=case_in.matter_code, description=description,
        complexity_tier=classification.complexity_tier, green_channel=classification.green_channel,
        applicant_kind=applicant.kind, applicant_name=applicant.name, applicant_phone=applicant.phone,
        applicant_email=applicant_in.email, applicant_id_type=applicant.id_type,
        applicant_id_number=applicant.id_number, applicant_credit_code=applicant.credit_code,
        applicant_contact_name=applicant.contact_name, state="registered",
        first_responder=origin.actor, hotline_order_id=origin.hotline_order_id,
        hotline_revision=origin.hotline_revision, created_at=now, updated_at=now,
    )
    unit.session.add(case)
    await unit.session.flush()  # the children's foreign keys need the case row first
    unit.session.add(store.CaseTransition(case_id=case.id, action="register", from_state="",
                                          to_state=case.state, actor=origin.actor, at=now))
    for item in items:
        unit.session.add(store.BatchItemRow(case_id=case.id, item_no=item.item_no, label=item.label))
    for attachment in case_in.attachments:
        unit.session.add(store.Attachment(case_id=case.id, **attachment.model_dump()))
    where = {"case_id": case.id, "district": case.district, "hall": case.hall, "actor": origin.actor}
    # Enterprise names are public record; only a person's name is masked on the case stream.
    shown_name = applicant.name if applicant.kind == "enterprise" else mask_name(applicant.name)
    await unit.emit(
        CaseRegistered(
            case_number=number, hall=case.hall, channel=case.channel, problem_kind=case.problem_kind,
            matter_code=case.matter_code, description=description, tier=case.complexity_tier,
            green_channel=case.green_channel, applicant_kind=applicant.kind,
            applicant_masked=shown_name, hotline_order_id=origin.hotline_order_id,
            batch_items=len(items), attachments=len(case_in.attachments),
        ),
        topic=CASE_EVENTS, **where,
    )
    await unit.emit(
        CaseContactRecorded(
            case_number=number, name=applicant.contact_name or applicant.name,
            phone=applicant.phone, email=applicant_in.email,
        ),
        topic=CASE_CONTACTS, **where,
    )
    return case
