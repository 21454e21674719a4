"""Registration (登记) decided: every field of a case checked against the domain and its district at once, and
the case number it gets. Pure: the store writes what passed (`store/registration.py`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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
    received_at: datetime  # when the letter, call or visit came in: `now` unless given earlier


def check_received_at(received_at: datetime | None, *, now: datetime, district: DistrictPack, channel: str
                      ) -> datetime:
    """When the case was received: `now`, or an earlier instant given (a letter opened or a phone note
    entered later), no later than now and no earlier than the district's bound for the channel."""
    if received_at is None:
        return now
    days = district.max_backdate_days.get(channel, 0)
    if received_at > now:
        raise InvalidInput.single(field="received_at", zh="收件时间不能晚于当前时间",
                                  en="received_at cannot be in the future")
    if received_at < now - timedelta(days=days):
        raise InvalidInput.single(
            field="received_at",
            zh=f"{district.name_zh}的该渠道收件时间最多可早于登记{days}天" if days else "该渠道不能补录收件时间",
            en=f"received_at may be at most {days} days before registration on this channel in {district.name_en}"
               if days else "received_at cannot be earlier than registration on this channel")
    return received_at


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
        received_at = _collect(problems, check_received_at, case_in.received_at, now=now, district=district,
                               channel=case_in.channel)
    if problems:
        raise InvalidInput(*problems)
    return ValidRegistration(case_in=case_in, hall=hall, district=district, applicant=applicant,
                             description=description, items=items, classification=classification,
                             received_at=received_at)


def case_number(valid: ValidRegistration, *, sequence: int, now: datetime) -> str:
    return str(case_number_for(hall_prefix=valid.hall.code, registered_at=now, sequence=sequence))
