"""Staff find a case by what they know (`POST /cases/search`): one text, recognised as a case number, a
12345 ticket id, a phone, an ID number, a credit code or the applicant's full name (domain/search.py).
Personal values are hashed with the blind-index key and looked up by equality; nothing sealed is opened."""

from fastapi import APIRouter

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, page_of
from shared.auth.http import bounded
from shared.clock import local_date, now_utc
from services.intake import store
from services.intake.api.deps import ApplicantSearcher, RuntimeDep
from services.intake.api.models import CaseSearchIn, CaseSearchPage, CaseSummary
from services.intake.domain.search import recognise
from services.intake.store.views import case_summaries

router = APIRouter(prefix="/cases", tags=["search"])


@router.post("/search", response_model=CaseSearchPage)
async def search_cases(
    body: CaseSearchIn, runtime: RuntimeDep, principal: ApplicantSearcher, offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT, district: str | None = None, hall: str | None = None,
) -> CaseSearchPage:
    """Cases matching `q` (any of what it was recognised as), newest first, masked; those of the caller's
    own hall or district (a supervisor may narrow to a hall)."""
    within = bounded(principal, "case.find_by_applicant", district=district, hall=hall)
    terms = recognise(body.q, today=local_date(now_utc()))
    equal = {f"applicant_{kind}_index": runtime.keyring.blind_index(kind, value)
             for kind, value in terms.personal.items()}
    if terms.case_number:
        equal["case_number"] = terms.case_number
    if terms.hotline_ticket:
        equal["hotline_order_id"] = terms.hotline_ticket
    async with runtime.sessions() as session:
        rows = await store.find_cases(session, equal=equal, district=within["district"], hall=within["hall"],
                                      offset=offset, limit=limit)
        items = await case_summaries(session, rows[:limit], stuck_after_s=runtime.settings.stuck_after_s)
    page = page_of([CaseSummary.model_validate(item) for item in items], offset=offset, limit=limit,
                   more=len(rows) > limit)
    return CaseSearchPage(**dict(page), recognised_as=terms.recognised_as)
