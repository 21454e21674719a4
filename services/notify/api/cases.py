"""`/cases`: the deliveries of a case."""

from typing import Annotated

from fastapi import APIRouter
from sqlmodel import select

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, page_of
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from services.notify.api.deps import RuntimeDep
from services.notify.api.models import DeliveryPublic
from services.notify.store import tables

router = APIRouter()


@router.get("/cases/{case_id}/deliveries", response_model=Page[DeliveryPublic], tags=["deliveries"])
async def list_deliveries(case_id: str, runtime: RuntimeDep,
                          principal: Annotated[Principal, Authorize("delivery.read")],
                          offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page[DeliveryPublic]:
    """The notifications planned for one case, oldest first, with their delivery state and last error."""
    async with runtime.sessions() as session:
        facts = await session.get(tables.CaseFacts, case_id)
        if facts is None:
            return page_of([], offset=offset, limit=limit, more=False)  # notify has heard nothing of this case
        require(principal, "delivery.read", Scope(district=facts.district, hall=facts.hall))
        query = select(tables.Delivery).where(tables.Delivery.case_id == case_id).order_by(tables.Delivery.created_at)
        rows = (await session.exec(query.offset(offset).limit(limit + 1))).all()
    shown = [DeliveryPublic.model_validate(row) for row in rows[:limit]]
    return page_of(shown, offset=offset, limit=limit, more=len(rows) > limit)
