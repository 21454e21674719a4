"""Notify's HTTP routes: deliveries of a case."""

from fastapi import APIRouter
from sqlmodel import select

from shared.health import RuntimeDep
from services.notify import store

router = APIRouter(tags=["deliveries"])


@router.get("/cases/{case_id}/deliveries", response_model=list[store.Delivery])
async def list_deliveries(case_id: str, runtime: RuntimeDep) -> list[store.Delivery]:
    """The notifications requested for one case, with their delivery state."""
    async with runtime.sessions() as session:
        return list((await session.exec(select(store.Delivery).where(store.Delivery.case_id == case_id))).all())
