"""Staff routes over the items of a batch registration, under /cases/{id}/items: an item moved on its own."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response, status

from shared.consuming import Unit
from shared.events.case import BatchItemMoved
from shared.topics import CASE_EVENTS
from services.intake import store
from services.intake.api.deps import CaseActor, IdempotencyKey, ItemNo, RuntimeDep, load_case, respond
from services.intake.api.errors import item_not_found
from services.intake.api.models import BatchItemMoveIn, CasePublic
from services.intake.domain.batch import BatchItem, BatchItemState, move_batch_item
from services.intake.store.idempotency import run_once
from services.intake.store.views import case_view

router = APIRouter(prefix="/cases", tags=["tracking"])


@router.post("/{case_id}/items/{item_no}/moves", response_model=CasePublic)
async def move_item(
    case_id: str, item_no: ItemNo, body: BatchItemMoveIn, runtime: RuntimeDep,
    principal: CaseActor, idempotency_key: IdempotencyKey = None,
) -> Response:
    """Move one item of a batch registration (blocked and dropped need a reason)."""
    actor = principal.actor

    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id, principal=principal, permission="case.act")
        row = await unit.session.get(store.BatchItemRow, (case_id, item_no))
        if row is None:
            raise item_not_found("批量事项", "batch item", item_no)
        item = BatchItem(item_no=row.item_no, label=row.label, state=BatchItemState(row.state))
        moved = move_batch_item(item, to=body.to, actor=actor, at=datetime.now(UTC), reason=body.reason)
        row.state, row.updated_at, row.updated_by, row.reason = moved.state.value, moved.updated_at, actor, moved.reason
        unit.session.add(row)
        await unit.emit(
            BatchItemMoved(case_number=case.case_number, item_no=item_no, label=row.label, state=row.state,
                           reason=row.reason),
            topic=CASE_EVENTS, case_id=case.id, district=case.district, hall=case.hall, actor=actor,
        )
        return status.HTTP_200_OK, await case_view(unit.session, case, stuck_after_s=runtime.settings.stuck_after_s)

    return respond(await run_once(runtime, key=idempotency_key, scope=f"POST /cases/{case_id}/items/{item_no}/moves",
                                  payload=body.model_dump(mode="json"), work=work, acting=principal))
