"""`/districts`: the trail of a district's pack changes (辖区配置包变更), as audit's log holds them.

Every published version (`district.pack_published`, keyed `district:<code>`) is chained and signed in the
log like a case's events; this lists them, oldest first: version, who published it, when, what changed.
"""

from typing import Annotated

from fastapi import APIRouter

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, slice_page
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.events.district import DistrictPackPublished, district_subject
from services.audit.api.deps import RuntimeDep
from services.audit.api.models import PackChange
from services.audit.store import audit_log

router = APIRouter(tags=["audit"])


@router.get("/districts/{district}/pack-changes", response_model=Page[PackChange])
async def pack_changes(district: str, runtime: RuntimeDep, principal: Annotated[Principal, Authorize("pack.read")],
                       offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page[PackChange]:
    """Every pack version published for the district, as the log recorded it."""
    require(principal, "pack.read", Scope(district=district))
    async with runtime.sessions() as session:
        entries = await audit_log.timeline(session, case_id=district_subject(district))
    changes = [PackChange(event_id=e["event_id"], district=district, version=e["data"]["pack_version"],
                          change=e["data"].get("change", ""), actor=e["actor"], actor_detail=e["actor_detail"],
                          occurred_at=e["occurred_at"])
               for e in entries if e["type"] == DistrictPackPublished.type]
    return slice_page(changes, offset=offset, limit=limit)
