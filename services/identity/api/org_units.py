"""`/org-units`: the district's halls and departments, which its administrators place accounts in."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlmodel import col, select

from shared.auth.http import Authorize
from shared.auth.principal import Principal
from shared.problems import invalid_field
from services.identity.api.deps import RuntimeDep, trust_own_tokens
from services.identity.store.tables import OrgUnit

router = APIRouter(prefix="/org-units", tags=["accounts"], dependencies=[Depends(trust_own_tokens)])


class OrgUnitPublic(BaseModel):
    kind: str
    code: str
    name: str


@router.get("", response_model=list[OrgUnitPublic])
async def org_units(runtime: RuntimeDep,
                    principal: Annotated[Principal, Authorize("account.read")]) -> list[OrgUnitPublic]:
    """The halls and departments of the caller's district, by kind and code."""
    if not principal.district:
        raise invalid_field("district", zh="令牌未载明所属区", en="the token names no district")
    async with runtime.sessions() as session:
        rows = (await session.exec(select(OrgUnit).where(OrgUnit.district == principal.district,
                                                         col(OrgUnit.kind) != "district")
                                   .order_by(col(OrgUnit.kind), col(OrgUnit.code)))).all()
    return [OrgUnitPublic(kind=row.kind, code=row.code, name=row.name) for row in rows]
