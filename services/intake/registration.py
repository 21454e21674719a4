"""Registration (登记): validate a case against the domain and its district, store it, announce it.

Validation needs no database, so it runs on the request alone; the rows and events are built once
the case number is taken (`case_write`). The window's route writes them through the group commit
(`registration_batch`), the 12345 webhook through its own session (`register_case`). The case
stream gets masked forms only; the contact (name, phone, email) goes on `bancheng.case.contacts`
sealed under the transport key, which only notify holds besides intake. The row holds the applicant
sealed (`personal_data`).
"""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from shared.consuming import Unit
from shared.envelope import Envelope
from shared.events.case import CaseRegistered, Contact, seal_contact
from shared.ids import new_id
from shared.masking import mask_text
from shared.personal_data import Keyring
from shared.topics import CASE_CONTACTS, CASE_EVENTS
from shared.tracing import TraceHeaders
from services.intake import personal_data, store
from services.intake.actions import take_step
from services.intake.domain.applicant import Applicant, validate_applicant
from services.intake.domain.batch import BatchItem, open_batch_items
from services.intake.domain.case_number import case_number_for
from services.intake.domain.clock import local_date
from services.intake.domain.districts import (
    Classification,
    ComplexityTier,
    District,
    DistrictCatalogue,
    Hall,
    classify_case,
)
from services.intake.domain.errors import FieldProblem, InvalidInput
from services.intake.domain.lifecycle import ActionKind
from services.intake.domain.text import validate_description
from services.intake.schemas import ActionIn, CaseCreate


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Who registered the case, for hotline cases the 12345 order it came from, and the request's trace
    context (its events are built by the group commit, outside the request's span)."""

    actor: str
    actor_detail: str | None = None  # the token's name, roles and org unit (shared/auth/principal.py)
    hotline_order_id: str | None = None
    hotline_revision: int | None = None
    trace_context: TraceHeaders | None = None


def _default_tier(district: District) -> ComplexityTier:
    tiers = district.complexity_tiers
    return ComplexityTier.general if ComplexityTier.general in tiers else tiers[0]


def _collect(problems: list[FieldProblem], check, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
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
    district: District
    applicant: Applicant
    description: str
    items: tuple[BatchItem, ...]
    classification: Classification


@dataclass(frozen=True, kw_only=True)
class CaseWrite:
    """What one registration writes (the case and its children, as plain rows) and the events it stages."""

    case: dict[str, Any]
    transitions: list[dict[str, Any]]
    items: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    events: list[tuple[str, Envelope]]


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
    return str(case_number_for(hall_prefix=valid.hall.prefix, registered_at=now, sequence=sequence))


def case_write(
    valid: ValidRegistration, *, origin: Origin, number: str, now: datetime, service: str, keyring: Keyring,
) -> CaseWrite:
    """The rows and events of a registration numbered `number`; with `forward`, also its
    acceptance and forwarding (登记转发), decided by the same steps as `POST /cases/{id}/actions`."""
    case_in, applicant, classification = valid.case_in, valid.applicant, valid.classification
    case_id = new_id()
    sealed = personal_data.sealed_columns(keyring, case_id=case_id, applicant={
        "kind": applicant.kind, "name": applicant.name, "phone": applicant.phone, "email": case_in.applicant.email,
        "id_type": applicant.id_type, "id_number": applicant.id_number, "credit_code": applicant.credit_code,
        "contact_name": applicant.contact_name,
    })
    # Plain rows, not table instances (~60 % of this function's cost); `take_step` reads and moves
    # the case through attributes, so the row sits behind a namespace until it is returned.
    case = SimpleNamespace(**store.plain_row(
        store.Case, id=case_id, case_number=number, district=valid.district.code, hall=valid.hall.prefix, channel=classification.channel,
        problem_kind=case_in.problem_kind, matter_code=case_in.matter_code, description=valid.description,
        complexity_tier=classification.complexity_tier, green_channel=classification.green_channel,
        **sealed, state="registered",
        first_responder=origin.actor, hotline_order_id=origin.hotline_order_id,
        hotline_revision=origin.hotline_revision, lat=case_in.lat, long=case_in.long, address=case_in.address,
        media_url=case_in.media_url, created_at=now, updated_at=now,
    ))
    events = [
        (CASE_EVENTS, CaseRegistered(
            case_number=number, hall=case.hall, channel=case.channel, problem_kind=case.problem_kind,
            matter_code=case.matter_code, description=mask_text(case.description), tier=case.complexity_tier,
            green_channel=case.green_channel, applicant_kind=applicant.kind,
            applicant_masked=sealed["applicant_masked"]["name"], hotline_order_id=origin.hotline_order_id,
            batch_items=len(valid.items), attachments=len(case_in.attachments),
        )),
        (CASE_CONTACTS, seal_contact(keyring, case_id=case_id, case_number=number, contact=Contact(
            name=applicant.contact_name or applicant.name, phone=applicant.phone, email=case_in.applicant.email,
        ))),
    ]
    transitions = [store.plain_row(store.CaseTransition, case_id=case.id, action="register", from_state="",
                                   to_state=case.state, actor=origin.actor, at=now)]
    if case_in.forward:
        dispatch = ActionIn(action=ActionKind.dispatch, suggested_departments=case_in.suggested_departments)
        for action_in in (ActionIn(action=ActionKind.accept), dispatch):
            step = take_step(case, action_in=action_in, actor=origin.actor, now=now)
            transitions.append(step.transition)
            events += [(CASE_EVENTS, event) for event in step.events]
    return CaseWrite(
        case=vars(case),
        transitions=transitions,
        items=[store.plain_row(store.BatchItemRow, case_id=case.id, item_no=item.item_no, label=item.label)
               for item in valid.items],
        attachments=[store.plain_row(store.Attachment, case_id=case.id, **attachment.model_dump())
                     for attachment in case_in.attachments],
        events=[
            (topic, Envelope.wrap(event, source=service, case_id=case.id, district=case.district, hall=case.hall,
                                  actor=origin.actor, actor_detail=origin.actor_detail,
                                  trace_context=origin.trace_context))
            for topic, event in events
        ],
    )


async def register_case(
    unit: Unit, *, catalogue: DistrictCatalogue, case_in: CaseCreate, origin: Origin, now: datetime, keyring: Keyring,
) -> store.Case:
    """Validate, number and store a case in the unit's own transaction, staging its events."""
    valid = validate_registration(catalogue=catalogue, case_in=case_in, now=now)
    connection = await unit.session.connection()
    sequence = await store.next_sequence(connection, hall=valid.hall.prefix, day=local_date(now))
    write = case_write(valid, origin=origin, number=case_number(valid, sequence=sequence, now=now),
                       now=now, service=unit.service, keyring=keyring)
    case = store.Case(**write.case)  # in the session: the caller may act on it in the same unit
    unit.session.add(case)
    await unit.session.flush()  # the children's foreign keys need the case row first
    unit.session.add_all([*(store.CaseTransition(**row) for row in write.transitions),
                          *(store.BatchItemRow(**row) for row in write.items),
                          *(store.Attachment(**row) for row in write.attachments)])
    for topic, envelope in write.events:
        await unit.forward(envelope, topic=topic)
    return case
