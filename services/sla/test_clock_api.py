"""PUT /test/clock moves the sweeper's clock. Mounted only when environment=test (see app.py)."""

from typing import Annotated

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel

from shared.api_models import UtcDateTime
from shared.auth.http import Authorize
from shared.auth.principal import Principal
from services.sla.context import current

router = APIRouter(prefix="/test", tags=["test only"])


class ClockIn(BaseModel):
    now: AwareDatetime


class ClockOut(BaseModel):
    now: UtcDateTime
    offset_s: float


@router.put("/clock", response_model=ClockOut)
async def move_clock(clock_in: ClockIn, _principal: Annotated[Principal, Authorize("clock.move")]) -> ClockOut:
    """Make the sweeper's now() `clock_in.now` from here on (it keeps running)."""
    clock = current().clock
    clock.set_now(clock_in.now)
    return ClockOut(now=clock.now(), offset_s=clock.offset_s)
