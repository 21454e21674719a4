"""Routing's HTTP routes: work orders of a case."""

from fastapi import APIRouter

from shared.health import RuntimeDep
from services.routing import store

router = APIRouter(tags=["work orders"])


@router.get("/cases/{case_id}/work-orders", response_model=list[store.WorkOrder])
async def list_work_orders(case_id: str, runtime: RuntimeDep) -> list[store.WorkOrder]:
    """The work orders dispatched for one case."""
    async with runtime.sessions() as session:
        return await store.work_orders_of_case(session, case_id=case_id)
