"""Routing's HTTP routes for whole district packs (辖区配置包): the one way a pack changes at run time.

`PUT /districts/{code}/pack` takes the whole pack (the JSON of `shared/districts/schema.py` DistrictPack),
validates it as a whole and publishes it as the district's next version to every service; 422 names every
problem's field and nothing is applied anywhere. `If-Match: <version>` makes the change conditional (412).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, slice_page
from shared.auth.http import Authorize, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.problems import invalid_field
from services.routing import store
from services.routing.api.deps import CataloguesDep, RuntimeDep
from services.routing.api.errors import domain_errors
from services.routing.api.models import PackDocument, PackVersionPublic
from services.routing.store.catalogues import publish

router = APIRouter(tags=["district packs"])

Reader = Annotated[Principal, Authorize("pack.read")]
Publisher = Annotated[Principal, Authorize("pack.publish")]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The version the change is meant for")]


def _expected(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"'))
    except ValueError:
        raise invalid_field("If-Match", zh="If-Match 须为配置包版本号",
                            en="If-Match must be a pack version number") from None


@router.get("/districts/{district}/pack", response_model=PackDocument)
async def pack_in_force(district: str, catalogues: CataloguesDep, principal: Reader,
                        response: Response) -> PackDocument:
    """The newest version this instance has applied (its number also in `ETag`)."""
    require(principal, "pack.read", Scope(district=district))
    with domain_errors():
        in_force = catalogues.current(district)
    response.headers["ETag"] = f'"{in_force.version}"'
    return PackDocument(district=district, version=in_force.version, pack=in_force.pack.model_dump(mode="json"))


@router.put("/districts/{district}/pack", response_model=PackDocument)
async def publish_pack(district: str, runtime: RuntimeDep, catalogues: CataloguesDep, principal: Publisher,
                       response: Response, pack: Annotated[dict[str, Any], Body(description="The whole pack")],
                       if_match: IfMatch = None, change: str = "pack published") -> PackDocument:
    """Create or replace the district's pack (its administrator): the next version, in force in every service
    within seconds; new cases get it, earlier cases keep theirs."""
    require(principal, "pack.publish", Scope(district=district))
    with domain_errors():
        async with runtime.unit(principal) as unit:
            published = await publish(unit, catalogues=catalogues, district=district, document=pack,
                                      expected_version=_expected(if_match), change=change, actor=principal.actor)
    catalogues.apply(published)  # read-your-writes here; every instance (this one again) applies it from the topic
    response.headers["ETag"] = f'"{published.version}"'
    return PackDocument(district=district, version=published.version, pack=published.model_dump(mode="json"))


@router.get("/districts/{district}/pack/versions", response_model=Page[PackVersionPublic])
async def pack_versions(district: str, runtime: RuntimeDep, catalogues: CataloguesDep, principal: Reader,
                        offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page[PackVersionPublic]:
    """Every published version, oldest first: number, what changed, who published it, when. The shipped pack
    (the version the files say) is not a published one."""
    require(principal, "pack.read", Scope(district=district))
    async with runtime.sessions() as session:
        rows = await store.pack_history(session, district=district)
    if not rows:
        with domain_errors():
            catalogues.current(district)  # an unknown district: 404
    return slice_page([PackVersionPublic.model_validate(row) for row in rows], offset=offset, limit=limit)
