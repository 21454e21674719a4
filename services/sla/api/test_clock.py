"""PUT /test/clock moves the sweeper's clock. Mounted only when environment=test (see api/__init__.py)."""

from typing import Annotated

from fastapi import APIRouter

from shared.auth.http import Authorize
from shared.auth.principal import Principal
from services.sla.api.deps import ClockDep
from services.sla.api.models import ClockIn, ClockOut

router = APIRouter(prefix="/test", tags=["test only"])


@router.put("/clock", response_model=ClockOut)
async def move_clock(clock_in: ClockIn, clock: ClockDep,
                     _principal: Annotated[Principal, Authorize("clock.move")]) -> ClockOut:
    """Make the sweeper's now() `clock_in.now` from here on (it keeps running)."""
    clock.set_now(clock_in.now)
    return ClockOut(now=clock.now(), offset_s=clock.offset_s)
