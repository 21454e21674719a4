"""Routing's HTTP routes for the matter catalogue (事项目录) and department directory: read, history, change.

A change is a new version in force at once on every instance. A new department needs no code: its work
orders go to ``bancheng.dept.<code>.workorders``, created by the outbox relay on first publish; its own
system subscribes there and answers on ``bancheng.dept.commands``.
"""

from typing import Annotated

from fastapi import APIRouter

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, slice_page
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.topics import department_topic
from services.routing import store
from services.routing.api.deps import CataloguesDep, RuntimeDep
from services.routing.api.errors import domain_errors, field_error
from services.routing.api.models import (
    CatalogueDocument,
    CatalogueVersionPublic,
    DepartmentIn,
    DepartmentPublic,
    MatterIn,
)
from services.routing.store.catalogues import InForce

router = APIRouter(tags=["catalogue"])


Reader = Annotated[Principal, Authorize("catalogue.read")]
Editor = Annotated[Principal, Authorize("catalogue.change")]


def _document(in_force: InForce) -> CatalogueDocument:
    catalogue = in_force.catalogue
    return CatalogueDocument(
        district=catalogue.district, version=catalogue.version,
        departments=[DepartmentPublic(**d.model_dump(), topic=department_topic(d.code)) for d in catalogue.departments],
        matters=list(catalogue.matters))


@router.get("/districts/{district}/catalogue", response_model=CatalogueDocument)
async def catalogue_in_force(district: str, runtime: RuntimeDep, catalogues: CataloguesDep,
                             principal: Reader) -> CatalogueDocument:
    """The version in force: departments (with their topics) and matters."""
    require(principal, "catalogue.read", Scope(district=district))
    async with runtime.sessions() as session:
        with domain_errors():
            return _document(await catalogues.current(session, district=district))


@router.get("/districts/{district}/catalogue/versions", response_model=Page[CatalogueVersionPublic])
async def catalogue_versions(district: str, runtime: RuntimeDep, catalogues: CataloguesDep, principal: Reader,
                             offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page[CatalogueVersionPublic]:
    """Every version, oldest first: number, what changed, who changed it, when."""
    require(principal, "catalogue.read", Scope(district=district))
    async with runtime.sessions() as session:
        with domain_errors():
            await catalogues.current(session, district=district)
        rows = await store.catalogue_history(session, district=district)
    return slice_page([CatalogueVersionPublic.model_validate(row) for row in rows], offset=offset, limit=limit)


@router.put("/districts/{district}/departments/{code}", response_model=CatalogueDocument)
async def put_department(district: str, code: str, body: DepartmentIn, runtime: RuntimeDep, catalogues: CataloguesDep,
                         principal: Editor) -> CatalogueDocument:
    """Add or change a department (the district's administrator); the next version is in force at once."""
    require(principal, "catalogue.change", Scope(district=district))
    if body.department.code != code:
        field_error("department.code", en=f"the body's code {body.department.code!r} differs from the path's "
                                          f"{code!r}",
                    zh=f"请求体中的部门编码 {body.department.code} 与路径 {code} 不一致")
    with domain_errors(unknown_is_invalid="department"):
        async with runtime.unit(principal) as unit:
            in_force = await catalogues.change(
                unit.session, district=district, edit=lambda c: c.with_department(body.department),
                change=f"department {code} set", changed_by=principal.actor)
            return _document(in_force)


@router.put("/districts/{district}/matters/{code}", response_model=CatalogueDocument)
async def put_matter(district: str, code: str, body: MatterIn, runtime: RuntimeDep, catalogues: CataloguesDep,
                     principal: Editor) -> CatalogueDocument:
    """Add or change a matter (the district's administrator); its lead and assisting departments must be listed."""
    require(principal, "catalogue.change", Scope(district=district))
    if body.matter.code != code:
        field_error("matter.code", en=f"the body's code {body.matter.code!r} differs from the path's {code!r}",
                    zh=f"请求体中的事项编码 {body.matter.code} 与路径 {code} 不一致")
    with domain_errors(unknown_is_invalid="matter"):
        async with runtime.unit(principal) as unit:
            in_force = await catalogues.change(
                unit.session, district=district, edit=lambda c: c.with_matter(body.matter),
                change=f"matter {code} set", changed_by=principal.actor)
            return _document(in_force)
