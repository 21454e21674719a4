"""Staff routes over the applicant's personal data: find cases by phone or ID number (blind index), and
reveal a case's personal data whole, with a reason, as an audited event (`PersonalDataRevealed`)."""

from fastapi import APIRouter, Response

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, page_of
from shared.auth.http import bounded
from shared.events.case import PersonalDataRevealed
from shared.masking import mask_text
from shared.topics import CASE_EVENTS
from services.intake import store
from services.intake.api.deps import ApplicantSearcher, Revealer, RuntimeDep, load_case
from services.intake.api.models import (
    ApplicantLookupIn,
    CaseSummary,
    RevealedApplicant,
    RevealedPersonalData,
    RevealIn,
)
from services.intake.store.personal_data import opened
from services.intake.store.views import case_summaries

router = APIRouter(prefix="/cases", tags=["personal data"])
# Never kept by a browser or a proxy: the answer holds personal data in clear.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/{case_id}/reveal", response_model=RevealedPersonalData, response_model_exclude_unset=True)
async def reveal_personal_data(
    case_id: str, body: RevealIn, runtime: RuntimeDep, response: Response, principal: Revealer,
) -> RevealedPersonalData:
    """The applicant's personal data unmasked, for the fields asked (all by default); needs a reason,
    recorded with who asked as a `case.personal_data_revealed` event."""
    fields = tuple(dict.fromkeys(body.fields))
    async with runtime.unit(acting=principal) as unit:
        case = await load_case(unit, case_id, principal=principal, permission="personal_data.reveal")
        values = opened(runtime.keyring, case.model_dump(), fields)
        await unit.emit(PersonalDataRevealed(case_number=case.case_number, fields=list(fields),
                                             reason=mask_text(body.reason)),
                        topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall,
                        actor=principal.actor, actor_detail=principal.actor_detail)
    response.headers.update(NO_STORE)
    return RevealedPersonalData(case_id=case.id, case_number=case.case_number, applicant=RevealedApplicant(**values))


@router.post("/by-applicant", response_model=Page[CaseSummary])
async def cases_by_applicant(
    body: ApplicantLookupIn, runtime: RuntimeDep, principal: ApplicantSearcher, offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CaseSummary]:
    """A citizen's cases by phone and/or ID number (exact, through blind indexes), newest first, masked;
    those of the caller's own hall or district."""
    within = bounded(principal, "case.find_by_applicant", district=None, hall=None)
    asked = {"phone": body.phone, "id_number": body.id_number}
    equal = {f"applicant_{kind}_index": runtime.keyring.blind_index(kind, value)
             for kind, value in asked.items() if value}
    async with runtime.sessions() as session:
        rows = await store.find_cases(session, equal=equal, match_all=True, district=within["district"],
                                      hall=within["hall"], offset=offset, limit=limit)
        items = await case_summaries(session, rows[:limit], stuck_after_s=runtime.settings.stuck_after_s)
    return page_of([CaseSummary.model_validate(item) for item in items], offset=offset, limit=limit,
                   more=len(rows) > limit)
