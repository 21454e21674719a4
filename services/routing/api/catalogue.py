"""Routing's HTTP route for the matter catalogue (事项目录) and department directory as routing reads them.

The catalogue is part of the district pack and changes with it (`PUT /districts/{code}/pack`, api/packs.py).
A new department needs no code: its work orders go to ``bancheng.dept.<code>.workorders``, created by the outbox
relay on first publish; its own system subscribes there and answers on ``bancheng.dept.commands``.
"""

from typing import Annotated

from fastapi import APIRouter

from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.topics import department_topic
from services.routing.api.deps import CataloguesDep
from services.routing.api.errors import domain_errors
from services.routing.api.models import CatalogueDocument, DepartmentPublic

router = APIRouter(tags=["catalogue"])

Reader = Annotated[Principal, Authorize("catalogue.read")]


@router.get("/districts/{district}/catalogue", response_model=CatalogueDocument)
async def catalogue_in_force(district: str, catalogues: CataloguesDep, principal: Reader) -> CatalogueDocument:
    """The newest pack version's departments (with their topics) and matters."""
    require(principal, "catalogue.read", Scope(district=district))
    with domain_errors():
        catalogue = catalogues.current(district).catalogue
    return CatalogueDocument(
        district=catalogue.district, version=catalogue.version,
        departments=[DepartmentPublic(**d.model_dump(), topic=department_topic(d.code)) for d in catalogue.departments],
        matters=list(catalogue.matters))
