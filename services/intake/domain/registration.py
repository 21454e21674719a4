"""Registration (登记) decided: every field of a case checked against the domain and its district at once, and
the case number it gets. Pure: the store writes what passed (`store/registration.py`)."""

from dataclasses import dataclass
from datetime import datetime

from shared.clock import local_date
from shared.districts import DistrictPack
from shared.districts.schema import ComplexityTier, Hall
from services.intake.commands import CaseCreate
from services.intake.domain.applicant import Applicant, validate_applicant
from services.intake.domain.batch import BatchItem, open_batch_items
from services.intake.domain.case_number import case_number_for
from services.intake.domain.districts import Classification, DistrictCatalogue, classify_case
from services.intake.domain.errors import FieldProblem, InvalidInput
from services.intake.domain.text import validate_description


def _default_tier(district: DistrictPack) -> ComplexityTier:
    tiers = district.complexity_tiers
    return ComplexityTier.general if ComplexityTier.general in tiers else tiers[0]


def _collect(problems: list[FieldProblem], check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        problems.extend(error.problems)
        return None


@dataclass(frozen=True, kw_only=True)
class ValidRegistration:
    """A registration every field of which passed; only its case number is still to be taken."""

    case_in: CaseCreate
    hall: Hall
    district: DistrictPack
    applicant: Applicant
    description: str
    items: tuple[BatchItem, ...]
    classification: Classification


def validate_registration(*, catalogue: DistrictCatalogue, case_in: CaseCreate, now: datetime) -> ValidRegistration:
    """Check every field at once, raising `InvalidInput` listing all problems."""
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
            green_channel_requested=case_in.green_channel, matter_code=case_in.matter_code,
        )
    if problems:
        raise InvalidInput(*problems)
    return ValidRegistration(case_in=case_in, hall=hall, district=district, applicant=applicant,
                             description=description, items=items, classification=classification)


def case_number(valid: ValidRegistration, *, sequence: int, now: datetime) -> str:
    return str(case_number_for(hall_prefix=valid.hall.code, registered_at=now, sequence=sequence))
