"""The SLA service's HTTP routes: deadlines of a case."""

from fastapi import APIRouter

from shared.health import RuntimeDep
from services.sla import store

router = APIRouter(tags=["deadlines"])


@router.get("/cases/{case_id}/deadlines", response_model=list[store.Deadline])
async def list_deadlines(case_id: str, runtime: RuntimeDep) -> list[store.Deadline]:
    """The deadlines armed for one case."""
    async with runtime.sessions() as session:
        return await store.deadlines_of_case(session, case_id=case_id)
