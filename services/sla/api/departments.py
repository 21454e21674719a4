"""A department's running deadlines: GET /departments/{department}/deadlines, the inbox's order (待办, soonest
due first) with each deadline's working-day countdown."""

from typing import Annotated

from fastapi import APIRouter

from shared.api_models import Limit, Offset, Page, page_of
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.problems import invalid_field
from services.sla import store
from services.sla.api.deps import ClockDep, RulesDep, RuntimeDep
from services.sla.api.models import DeadlinePublic
from services.sla.domain.rules import UnknownDistrict

router = APIRouter(tags=["deadlines"])


@router.get("/departments/{department}/deadlines", response_model=Page[DeadlinePublic])
async def department_deadlines(department: str, runtime: RuntimeDep, rules: RulesDep, clock: ClockDep,
                               principal: Annotated[Principal, Authorize("deadline.read")],
                               district: str | None = None, offset: Offset = 0,
                               limit: Limit = 20) -> Page[DeadlinePublic]:
    """The department's open work-order deadlines, soonest due first and paused ones last, each with the working
    days left on the district's calendar and its standing (on_track, warning, overdue, paused)."""
    district = district or principal.district or ""
    require(principal, "deadline.read", Scope(district=district, department=department))
    try:
        rules.policy(district)
    except UnknownDistrict:
        raise invalid_field("district", en=f"no SLA policy for district {district!r}",
                            zh=f"该区没有时限规则：{district}") from None
    async with runtime.sessions() as session:
        rows = await store.open_deadlines_of_department(session, department=department, district=district,
                                                        offset=offset, limit=limit + 1)
    now = clock.now()
    shown = [DeadlinePublic.shown(row, rules=rules, now=now) for row in rows[:limit]]
    return page_of(shown, offset=offset, limit=limit, more=len(rows) > limit)
