"""Registration (登记): a case validated (`domain/registration.py`) is stored and announced.

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

from shared.clock import local_date
from shared.consuming import Unit
from shared.envelope import Envelope
from shared.events.case import CaseRegistered, Contact, seal_contact
from shared.ids import new_id
from shared.masking import mask_text
from shared.personal_data import Keyring
from shared.rows import row_values
from shared.topics import CASE_CONTACTS, CASE_EVENTS
from services.intake import store
from services.intake.commands import ActionIn, CaseCreate, Origin
from services.intake.domain.districts import DistrictCatalogue
from services.intake.domain.lifecycle import ActionKind
from services.intake.domain.registration import ValidRegistration, case_number, validate_registration
from services.intake.store import personal_data
from services.intake.store.actions import take_step


@dataclass(frozen=True, kw_only=True)
class CaseWrite:
    """What one registration writes (the case and its children, as plain rows) and the events it stages."""

    case: dict[str, Any]
    transitions: list[dict[str, Any]]
    items: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    events: list[tuple[str, Envelope]]


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
    # Plain rows, not table instances: building an instance was the costly part of this function
    # (docs/performance.md); `take_step` reads and moves
    # the case through attributes, so the row sits behind a namespace until it is returned.
    case = SimpleNamespace(**row_values(
        store.Case, id=case_id, case_number=number, district=valid.district.code, hall=valid.hall.code,
        channel=classification.channel,
        problem_kind=case_in.problem_kind, matter_code=case_in.matter_code, description=valid.description,
        complexity_tier=classification.complexity_tier, green_channel=classification.green_channel,
        pack_version=valid.district.version, **sealed, state="registered",
        first_responder=origin.actor, hotline_order_id=origin.hotline_order_id,
        hotline_revision=origin.hotline_revision, lat=case_in.lat, long=case_in.long, address=case_in.address,
        media_url=case_in.media_url, received_at=valid.received_at, created_at=now, updated_at=now,
    ))
    events = [
        (CASE_EVENTS, CaseRegistered(
            case_number=number, hall=case.hall, channel=case.channel, problem_kind=case.problem_kind,
            matter_code=case.matter_code, description=mask_text(case.description), tier=case.complexity_tier,
            green_channel=case.green_channel, applicant_kind=applicant.kind,
            consultation=case.problem_kind in valid.district.consultation_kinds(),
            applicant_masked=sealed["applicant_masked"]["name"], hotline_order_id=origin.hotline_order_id,
            batch_items=len(valid.items), attachments=len(case_in.attachments), received_at=valid.received_at,
            pack_version=case.pack_version,
        )),
        (CASE_CONTACTS, seal_contact(keyring, case_id=case_id, case_number=number, contact=Contact(
            name=applicant.contact_name or applicant.name, phone=applicant.phone, email=case_in.applicant.email,
        ))),
    ]
    transitions = [row_values(store.CaseTransition, case_id=case.id, action="register", from_state="",
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
        items=[row_values(store.BatchItemRow, case_id=case.id, item_no=item.item_no, label=item.label)
               for item in valid.items],
        attachments=[row_values(store.Attachment, case_id=case.id, **attachment.model_dump())
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
    sequence = await store.next_sequence(connection, hall=valid.hall.code, day=local_date(now))
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
