"""The queues staff work from (`GET /queues/{name}`): awaiting acceptance, awaiting callback, reopened,
paused, stuck, overdue (domain/queues.py); a page at a time, earliest reply deadline first, within the
caller's hall or district."""

from fastapi import APIRouter

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, page_of
from shared.auth.http import bounded
from shared.clock import now_utc
from services.intake import store
from services.intake.api.deps import CaseReader, RuntimeDep
from services.intake.api.models import CaseSummary
from services.intake.domain.queues import QUEUE_STATES, Queue, stuck_before
from services.intake.store.views import case_summaries

router = APIRouter(prefix="/queues", tags=["queues"])


@router.get("/{name}", response_model=Page[CaseSummary])
async def queue(
    name: Queue, runtime: RuntimeDep, principal: CaseReader, district: str | None = None, hall: str | None = None,
    offset: Offset = 0, limit: Limit = DEFAULT_LIMIT,
) -> Page[CaseSummary]:
    """One queue's cases, earliest reply deadline first (none last); a supervisor may narrow to a hall."""
    within = bounded(principal, "case.read", district=district, hall=hall)
    now = now_utc()
    stuck_after_s = runtime.settings.stuck_after_s
    async with runtime.sessions() as session:
        rows = await store.queue_cases(
            session, states=QUEUE_STATES[name], due_before=now if name is Queue.overdue else None,
            stuck_before=stuck_before(now, stuck_after_s) if name is Queue.stuck else None,
            district=within["district"], hall=within["hall"], offset=offset, limit=limit)
        items = await case_summaries(session, rows[:limit], stuck_after_s=stuck_after_s)
    return page_of([CaseSummary.model_validate(item) for item in items], offset=offset, limit=limit,
                   more=len(rows) > limit)
