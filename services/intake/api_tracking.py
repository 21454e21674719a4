"""Routes that track what hangs on a case: missing items (容缺) supplied or waived, batch items moved."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from shared.auth.http import Authorize
from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.events.case import BatchItemMoved, MissingItemSupplied
from shared.health import RuntimeDep
from shared.problems import ProblemError, not_found
from shared.topics import CASE_EVENTS
from services.intake import store
from services.intake.api import load_case
from services.intake.domain.batch import BatchItem, BatchItemState, move_batch_item
from services.intake.domain.missing_items import MissingItem, MissingItemState, supply_item, waive_item
from services.intake.idempotency import IdempotencyKey, run_once
from services.intake.public import CasePublic
from services.intake.schemas import BatchItemMoveIn, MissingItemResolutionIn
from services.intake.views import case_view

router = APIRouter(prefix="/cases", tags=["tracking"])
ItemNo = Annotated[int, Path(ge=0, le=2**31 - 1)]


def _absent(what_zh: str, what_en: str, number: int) -> ProblemError:
    return not_found(zh=f"没有第{number}项{what_zh}", en=f"no {what_en} {number}")


async def _resolve_missing_item(
    runtime: RuntimeDep, *, case_id: str, item_no: int, body: MissingItemResolutionIn, principal: Principal,
    waived: bool, key: str | None,
) -> Response:
    actor = principal.actor

    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id, principal=principal, permission="case.act")
        row = await unit.session.get(store.MissingItemRow, (case_id, item_no))
        if row is None:
            raise _absent("容缺材料", "missing item", item_no)
        item = MissingItem(item_no=row.item_no, name=row.name, due_on=row.due_on, note=row.note,
                           state=MissingItemState(row.state))
        now = datetime.now(UTC)
        done = (waive_item(item, actor=actor, at=now, reason=body.note) if waived
                else supply_item(item, actor=actor, at=now, note=body.note))
        row.state, row.resolved_at, row.resolved_by = done.state.value, done.resolved_at, done.resolved_by
        row.resolution_note = done.resolution_note
        unit.session.add(row)
        await unit.emit(MissingItemSupplied(case_number=case.case_number, item_no=item_no, waived=waived, at=now),
                        topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall, actor=actor)
        return status.HTTP_200_OK, await case_view(unit.session, case)

    verb = "waive" if waived else "supply"
    return await run_once(runtime, key=key, scope=f"POST /cases/{case_id}/missing-items/{item_no}/{verb}",
                          payload=body.model_dump(mode="json"), work=work, acting=principal)


@router.post("/{case_id}/missing-items/{item_no}/supply", response_model=CasePublic)
async def supply_missing_item(
    case_id: str, item_no: ItemNo, body: MissingItemResolutionIn, runtime: RuntimeDep,
    principal: Annotated[Principal, Authorize("case.act")], idempotency_key: IdempotencyKey = None,
) -> Response:
    """The applicant brought a missing item (补齐) and staff checked it."""
    return await _resolve_missing_item(runtime, case_id=case_id, item_no=item_no, body=body, principal=principal,
                                       waived=False, key=idempotency_key)


@router.post("/{case_id}/missing-items/{item_no}/waive", response_model=CasePublic)
async def waive_missing_item(
    case_id: str, item_no: ItemNo, body: MissingItemResolutionIn, runtime: RuntimeDep,
    principal: Annotated[Principal, Authorize("case.act")], idempotency_key: IdempotencyKey = None,
) -> Response:
    """A missing item is no longer required; `note` is the reason (required)."""
    return await _resolve_missing_item(runtime, case_id=case_id, item_no=item_no, body=body, principal=principal,
                                       waived=True, key=idempotency_key)


@router.post("/{case_id}/items/{item_no}/moves", response_model=CasePublic)
async def move_item(
    case_id: str, item_no: ItemNo, body: BatchItemMoveIn, runtime: RuntimeDep,
    principal: Annotated[Principal, Authorize("case.act")], idempotency_key: IdempotencyKey = None,
) -> Response:
    """Move one item of a batch registration (blocked and dropped need a reason)."""
    actor = principal.actor

    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id, principal=principal, permission="case.act")
        row = await unit.session.get(store.BatchItemRow, (case_id, item_no))
        if row is None:
            raise _absent("批量事项", "batch item", item_no)
        item = BatchItem(item_no=row.item_no, label=row.label, state=BatchItemState(row.state))
        moved = move_batch_item(item, to=body.to, actor=actor, at=datetime.now(UTC), reason=body.reason)
        row.state, row.updated_at, row.updated_by, row.reason = moved.state.value, moved.updated_at, actor, moved.reason
        unit.session.add(row)
        await unit.emit(
            BatchItemMoved(case_number=case.case_number, item_no=item_no, label=row.label, state=row.state,
                           reason=row.reason),
            topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall, actor=actor,
        )
        return status.HTTP_200_OK, await case_view(unit.session, case)

    return await run_once(runtime, key=idempotency_key, scope=f"POST /cases/{case_id}/items/{item_no}/moves",
                          payload=body.model_dump(mode="json"), work=work, acting=principal)
