"""The citizen's status lookup, POST /status-lookup: case number plus the phone's last four digits, no login.

An unknown number and a wrong phone get the same 404, so the answer never tells whether a number
exists; both count against the limits (`deps.case_by_number_and_digits`, which the citizen's follow shares).
Only masked personal data is shown.
"""

from fastapi import APIRouter, Request

from shared.auth.http import PUBLIC
from services.intake import store
from services.intake.api.deps import (
    CatalogueDep,
    LookupLimitsDep,
    RuntimeDep,
    case_by_number_and_digits,
    client_address,
)
from services.intake.api.models import CaseStatusPublic, LookupItem, PendingMissingItem, StatusLookupIn
from services.intake.domain.lifecycle import STATE_LABELS_ZH, CaseState

router = APIRouter(tags=["citizen"])


@router.post("/status-lookup", response_model=CaseStatusPublic, openapi_extra=PUBLIC,
             responses={429: {"description": "Too many lookups from this client or for this case"}})
async def status_lookup(body: StatusLookupIn, request: Request, runtime: RuntimeDep, limits: LookupLimitsDep,
                        catalogue: CatalogueDep) -> CaseStatusPublic:
    """Where my case stands (no login): case number and the last four digits of the phone."""
    case = await case_by_number_and_digits(runtime, limits, client=client_address(request),
                                           case_number=body.case_number, phone_last4=body.phone_last4)
    async with runtime.sessions() as session:
        pending = [m for m in await store.missing_items(session, case_id=case.id) if m.state == "pending"]
        items = await store.batch_items(session, case_id=case.id)
    hall, _district = catalogue.hall(case.hall)
    return CaseStatusPublic(
        case_number=case.case_number,
        state=case.state,
        state_zh=STATE_LABELS_ZH[CaseState(case.state)],
        applicant=case.applicant_masked["name"],
        phone=case.applicant_masked["phone"],
        hall=hall.name_zh,
        contact_phone=hall.contact_phone,
        registered_at=case.created_at,
        updated_at=case.updated_at,
        reply=case.reply,
        missing_items_pending=[PendingMissingItem(name=m.name, due_on=m.due_on) for m in pending],
        items=[LookupItem(item_no=i.item_no, label=i.label, state=i.state) for i in items],
    )
