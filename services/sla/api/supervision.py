"""The supervision board (督办) and urging (催办): /supervision."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, slice_page
from shared.auth.http import Authorize, bounded, require
from shared.auth.policy import Scope
from shared.auth.principal import Principal
from shared.problems import not_found
from services.sla import store
from services.sla.api.deps import RuntimeDep
from services.sla.api.models import BoardGroupPublic, SupervisionPublic, UrgeIn, UrgingNoticePublic
from services.sla.domain.supervision import BoardDimension, SupervisionItem, group_board
from services.sla.store.cards import urge

router = APIRouter(tags=["deadlines"])


Filter = Annotated[str | None, Query()]
SupervisionReader = Annotated[Principal, Authorize("supervision.read")]


@router.get("/supervision", response_model=Page[SupervisionPublic])
async def list_supervision(
    runtime: RuntimeDep, principal: SupervisionReader, colour: Filter = None, department: Filter = None,
    hall: Filter = None, district: Filter = None, offset: Offset = 0, limit: Limit = DEFAULT_LIMIT,
) -> Page[SupervisionPublic]:
    """Supervision items within the caller's reach, oldest first, filtered by colour, department, hall and district."""
    scope = bounded(principal, "supervision.read", department=department, hall=hall, district=district)
    return slice_page(await _items(runtime, colour=colour, **scope), offset=offset, limit=limit)


@router.get("/supervision/board", response_model=Page[BoardGroupPublic])
async def supervision_board(
    runtime: RuntimeDep,
    principal: SupervisionReader,
    by: Annotated[list[BoardDimension], Query(min_length=1)],
    colour: Filter = None,
    department: Filter = None,
    hall: Filter = None,
    district: Filter = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[BoardGroupPublic]:
    """The board: items grouped by the chosen dimensions (red first), with the urging notices sent."""
    scope = bounded(principal, "supervision.read", department=department, hall=hall, district=district)
    items = await _items(runtime, colour=colour, **scope)
    # The domain groups and orders them (red first); its items map back, by identity, to what we show.
    pairs = [(_as_domain(item), item) for item in items]
    shown = {id(domain): item for domain, item in pairs}
    groups = [
        BoardGroupPublic(
            key={dim.value: value for dim, value in zip(by, group.key, strict=True)},
            count=group.count,
            items=[shown[id(member)] for member in group.items],
        )
        for group in group_board([domain for domain, _ in pairs], by=by)
    ]
    return slice_page(groups, offset=offset, limit=limit)


def _as_domain(item: SupervisionPublic) -> SupervisionItem:
    fields = item.model_dump(exclude={"id", "urging_notices"})
    return SupervisionItem(**fields, urging_notices=tuple(n.model_dump() for n in item.urging_notices))


@router.post("/supervision/{supervision_id}/urge", response_model=UrgingNoticePublic, status_code=201)
async def urge_department(supervision_id: str, urge_in: UrgeIn, runtime: RuntimeDep,
                          principal: Annotated[Principal, Authorize("supervision.urge")]) -> UrgingNoticePublic:
    """A supervisor of the item's district urges the responsible department (催办); announced as UrgingNoticeSent."""
    async with runtime.unit(principal) as unit:
        item = await unit.session.get(store.SupervisionItem, supervision_id)
        if item is None:
            raise not_found(zh=f"督办事项 {supervision_id} 不存在", en=f"no supervision item {supervision_id}")
        require(principal, "supervision.urge", Scope(district=item.district, hall=item.hall,
                                                     department=item.department))
        row = await unit.session.get(store.Deadline, item.deadline_id)
        notice = await urge(
            unit, row, item, at=datetime.now(UTC), text=urge_in.text, channel=urge_in.channel,
            recipient=urge_in.recipient,
        )
    return UrgingNoticePublic.model_validate(notice, from_attributes=True)


async def _items(runtime: RuntimeDep, **filters: str | None) -> list[SupervisionPublic]:
    async with runtime.sessions() as session:
        items = await store.supervision_items(session, **filters)
        notices = await store.notices_of(session, supervision_ids=[i.id for i in items])
    by_item: dict[str, list[UrgingNoticePublic]] = {}
    for n in notices:
        by_item.setdefault(n.supervision_id, []).append(UrgingNoticePublic.model_validate(n, from_attributes=True))
    return [
        SupervisionPublic(**item.model_dump(exclude={"deadline_id"}), urging_notices=by_item.get(item.id, []))
        for item in items
    ]
