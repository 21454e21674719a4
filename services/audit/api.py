"""Audit's HTTP routes: a case's timeline."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from shared.health import RuntimeDep
from services.audit import store

router = APIRouter(tags=["audit"])


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    source: str
    actor: str
    occurred_at: datetime
    data: dict[str, Any]


@router.get("/cases/{case_id}/timeline", response_model=list[TimelineEntry])
async def case_timeline(case_id: str, runtime: RuntimeDep) -> list[store.AuditEntry]:
    """Every event of one case, in the order they occurred."""
    async with runtime.sessions() as session:
        return await store.timeline(session, case_id=case_id)
