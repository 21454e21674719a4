"""The SLA service's HTTP routes: a case's deadlines, the supervision board (督办), urging."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from shared.auth.http import NARROWED, Authorize, bounded, require
from shared.auth.policy import Scope, allows
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from services.sla import store
from services.sla.cards import urge
from services.sla.domain.supervision import BoardDimension, SupervisionItem, group_board

router = APIRouter(tags=["deadlines"])


class UrgingNoticePublic(BaseModel):
    sent_at: datetime
    channel: str
    recipient: str
    text: str


class SupervisionPublic(BaseModel):
    id: str
    case_id: str
    work_order_id: str | None
    colour: str
    reason: str
    department: str
    hall: str
    district: str
    opened_at: datetime
    red_at: datetime | None
    urging_notices: list[UrgingNoticePublic]


class BoardGroupPublic(BaseModel):
    key: dict[str, str]
    count: int
    items: list[SupervisionPublic]


class UrgeIn(BaseModel):
    text: str = Field(min_length=1, max_length=500, description="催办内容")
    channel: str = Field(default="notify", min_length=1)
    recipient: str | None = Field(default=None, description="Default: the item's department")


@router.get("/cases/{case_id}/deadlines", response_model=list[store.Deadline], openapi_extra=NARROWED)
async def list_deadlines(case_id: str, runtime: RuntimeDep,
                         principal: Annotated[Principal, Authorize("deadline.read")]) -> list[store.Deadline]:
    """The deadlines of one case the caller may read: its reply and each work order."""
    async with runtime.sessions() as session:
        rows = await store.deadlines_of_case(session, case_id=case_id)
    return [row for row in rows if allows(principal, "deadline.read",
                                          Scope(district=row.district, hall=row.hall, department=row.department))]


Filter = Annotated[str | None, Query()]
SupervisionReader = Annotated[Principal, Authorize("supervision.read")]


@router.get("/supervision", response_model=list[SupervisionPublic])
async def list_supervision(
    runtime: RuntimeDep, principal: SupervisionReader, colour: Filter = None, department: Filter = None,
    hall: Filter = None, district: Filter = None,
) -> list[SupervisionPublic]:
    """Supervision items within the caller's reach, oldest first, filtered by colour, department, hall and district."""
    scope = bounded(principal, "supervision.read", department=department, hall=hall, district=district)
    return await _items(runtime, colour=colour, **scope)


@router.get("/supervision/board", response_model=list[BoardGroupPublic])
async def supervision_board(
    runtime: RuntimeDep,
    principal: SupervisionReader,
    by: Annotated[list[BoardDimension], Query(min_length=1)],
    colour: Filter = None,
    department: Filter = None,
    hall: Filter = None,
    district: Filter = None,
) -> list[BoardGroupPublic]:
    """The board: items grouped by the chosen dimensions (red first), with the urging notices sent."""
    scope = bounded(principal, "supervision.read", department=department, hall=hall, district=district)
    items = await _items(runtime, colour=colour, **scope)
    # The domain groups and orders them (red first); its items map back, by identity, to what we show.
    pairs = [(_as_domain(item), item) for item in items]
    shown = {id(domain): item for domain, item in pairs}
    return [
        BoardGroupPublic(
            key={dim.value: value for dim, value in zip(by, group.key)},
            count=group.count,
            items=[shown[id(member)] for member in group.items],
        )
        for group in group_board([domain for domain, _ in pairs], by=by)
    ]


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
            raise HTTPException(404, detail=[{"loc": ["path", "supervision_id"], "msg": "no such supervision item",
                                              "msg_zh": "督办事项不存在"}])
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
