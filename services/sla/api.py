"""The SLA service's HTTP routes: a case's deadlines, the supervision board (督办), urging."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shared.api_models import DEFAULT_LIMIT, Limit, Offset, Page, PublicModel, UtcDateTime, slice_page
from shared.auth.http import NARROWED, Authorize, bounded, require
from shared.auth.policy import Scope, allows
from shared.auth.principal import Principal
from shared.health import RuntimeDep
from shared.problems import not_found
from services.sla import store
from services.sla.cards import urge
from services.sla.domain.supervision import BoardDimension, SupervisionItem, group_board

router = APIRouter(tags=["deadlines"])


class PausePublic(BaseModel):
    started_at: UtcDateTime
    ended_at: UtcDateTime | None
    reason: str


class DeadlinePublic(PublicModel):
    """A deadline (时限) of a case's reply or of one work order, as the schedule stands."""

    id: str
    case_id: str
    subject: str
    subject_id: str
    department: str | None
    district: str
    hall: str | None
    tier: str
    state: str
    clock_started_at: UtcDateTime | None
    clock_start: str
    pauses: list[PausePublic]
    extension_working_days: int
    due_at: UtcDateTime | None
    paused: bool
    assumed_weekdays: bool
    fired: list[str]
    next_firing_at: UtcDateTime | None
    closed_at: UtcDateTime | None
    on_time: bool | None


class UrgingNoticePublic(BaseModel):
    sent_at: UtcDateTime
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
    opened_at: UtcDateTime
    red_at: UtcDateTime | None
    urging_notices: list[UrgingNoticePublic]


class BoardGroupPublic(BaseModel):
    key: dict[str, str]
    count: int
    items: list[SupervisionPublic]


class UrgeIn(BaseModel):
    text: str = Field(min_length=1, max_length=500, description="催办内容")
    channel: str = Field(default="notify", min_length=1)
    recipient: str | None = Field(default=None, description="Default: the item's department")


@router.get("/cases/{case_id}/deadlines", response_model=Page[DeadlinePublic], openapi_extra=NARROWED)
async def list_deadlines(case_id: str, runtime: RuntimeDep,
                         principal: Annotated[Principal, Authorize("deadline.read")], offset: Offset = 0,
                         limit: Limit = DEFAULT_LIMIT) -> Page[DeadlinePublic]:
    """The deadlines of one case the caller may read: its reply and each work order."""
    async with runtime.sessions() as session:
        rows = await store.deadlines_of_case(session, case_id=case_id)
    readable = [DeadlinePublic.model_validate(row) for row in rows
                if allows(principal, "deadline.read", Scope(district=row.district, hall=row.hall, department=row.department))]
    return slice_page(readable, offset=offset, limit=limit)


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
            key={dim.value: value for dim, value in zip(by, group.key)},
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
