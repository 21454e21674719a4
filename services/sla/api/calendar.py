"""Calendar routes (/calendar): the status the console shows as a banner, and the reload after an edit, which
also announces the overrides to routing (shared.events.calendar)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter

from shared.auth.http import Authorize
from shared.auth.principal import Principal
from shared.problems import invalid_field
from services.sla import store
from services.sla.api.deps import RulesDep, RuntimeDep
from services.sla.api.models import CalendarStatus, ReloadResult
from services.sla.store.calendar import announce_overrides
from services.sla.store.recalendar import recompute_open_deadlines

router = APIRouter(prefix="/calendar", tags=["calendar"])


@router.get("/status", response_model=CalendarStatus)
async def calendar_status(runtime: RuntimeDep, rules: RulesDep,
                          _principal: Annotated[Principal, Authorize("calendar.read")]) -> CalendarStatus:
    """Which years the working-day calendar knows, and how many open deadlines assumed weekdays."""
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
    """Re-read the overrides file; recompute and announce the open deadlines its changes affect, and announce
    the overrides themselves when they changed."""
    old = runtime.rules
    try:
        new = old.reloaded()
    except (ValueError, OSError) as error:  # pydantic's ValidationError is a ValueError
        raise invalid_field("calendar_overrides", zh=f"日历覆盖文件 {old.overrides_path} 无效，未加载；请修正后重试。",
                            en=f"the calendar overrides file {old.overrides_path} is invalid, "
                               f"not loaded: {error}") from None
    runtime.rules = new
    if new.overrides != old.overrides:
        async with runtime.unit() as unit:
            await announce_overrides(unit, new.overrides)
    result = await recompute_open_deadlines(sessions=runtime.sessions, old=old, new=new)
    runtime.relay.wake()
    return ReloadResult(
        changed_days={d: [day.isoformat() for day in days] for d, days in result.changed_days.items()},
        recomputed=result.recomputed,
        rearmed=result.rearmed,
    )
