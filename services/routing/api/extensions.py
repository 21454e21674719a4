"""`/extensions`: the extension requests (延期申请) waiting for a supervisor of the district, oldest first; each is
decided at `POST /work-orders/{id}/extension/decision`."""

from typing import Annotated

from fastapi import APIRouter

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, page_of
from shared.auth.http import Authorize, bounded
from shared.auth.principal import Principal
from services.routing import store
from services.routing.api.deps import RuntimeDep
from services.routing.api.models import WorkOrderPublic

router = APIRouter(prefix="/extensions", tags=["work orders"])


@router.get("", response_model=Page[WorkOrderPublic])
async def pending_extensions(runtime: RuntimeDep, principal: Annotated[Principal, Authorize("extension.decide")],
                             district: str | None = None, offset: Offset = 0,
                             limit: Limit = DEFAULT_LIMIT) -> Page[WorkOrderPublic]:
    """Work orders whose department asked for more time, in the supervisor's district, oldest request first."""
    within = bounded(principal, "extension.decide", district=district)["district"]
    async with runtime.sessions() as session:
        rows = await store.pending_extensions(session, district=within, offset=offset, limit=limit + 1)
    return page_of([WorkOrderPublic.model_validate(row) for row in rows[:limit]], offset=offset, limit=limit,
                   more=len(rows) > limit)
