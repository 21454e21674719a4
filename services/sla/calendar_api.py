"""Calendar routes: the status the console shows as a banner, and the reload after an edit."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from shared.api_models import UtcDateTime
from shared.auth.http import Authorize
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from shared.problems import invalid_field
from services.sla import store
from services.sla.context import current
from services.sla.recalendar import recompute_open_deadlines

router = APIRouter(prefix="/calendar", tags=["calendar"])


class CalendarStatus(BaseModel):
    known_years: dict[str, list[int]]  # by district
    unknown_years_ahead: list[int]  # this year and next, if a calendar does not know them
    open_deadlines_assumed: int  # open deadlines counted over assumed weekdays
    overrides_path: str
    loaded_at: UtcDateTime
    banner_zh: str | None
    banner_en: str | None


class ReloadResult(BaseModel):
    changed_days: dict[str, list[str]]
    recomputed: int
    rearmed: int


@router.get("/status", response_model=CalendarStatus)
async def calendar_status(runtime: RuntimeDep,
                          _principal: Annotated[Principal, Authorize("calendar.read")]) -> CalendarStatus:
    """Which years the working-day calendar knows, and how many open deadlines assumed weekdays."""
    rules = current().rules
    unknown = rules.unknown_years_ahead(datetime.now(UTC).date())
    async with runtime.sessions() as session:
        assumed = await store.count_assumed_open(session)
    years = "、".join(map(str, unknown))
    return CalendarStatus(
        known_years={d: sorted(rules.known_years(d)) for d in rules.policies},
        unknown_years_ahead=unknown,
        open_deadlines_assumed=assumed,
        overrides_path=str(rules.overrides_path),
        loaded_at=rules.loaded_at,
        banner_zh=f"工作日历未包含 {years} 年的节假日安排，相关时限按周一至周五计算，请维护日历。" if unknown else None,
        banner_en=f"The working-day calendar does not know {', '.join(map(str, unknown))}: "
        "deadlines there count Monday to Friday; update the calendar." if unknown else None,
    )


@router.post("/reload", response_model=ReloadResult)
async def reload_calendar(runtime: RuntimeDep,
                          _principal: Annotated[Principal, Authorize("calendar.reload")]) -> ReloadResult:
    """Re-read the overrides file; recompute and announce the open deadlines its changes affect."""
    context = current()
    old = context.rules
    try:
        new = old.reloaded()
    except (ValueError, OSError) as error:  # pydantic's ValidationError is a ValueError
        raise invalid_field("calendar_overrides", zh=f"日历覆盖文件 {old.overrides_path} 无效，未加载；请修正后重试。",
                            en=f"the calendar overrides file {old.overrides_path} is invalid, not loaded: {error}") from None
    context.rules = new
    result = await recompute_open_deadlines(sessions=runtime.sessions, old=old, new=new)
    runtime.relay.wake()
    return ReloadResult(
        changed_days={d: [day.isoformat() for day in days] for d, days in result.changed_days.items()},
        recomputed=result.recomputed,
        rearmed=result.rearmed,
    )
