"""Staff routes over a case's missing items (容缺), under /cases/{id}/missing-items: supplied or waived."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response, status

from shared.auth.principal import Principal
from shared.consuming import Unit
from shared.events.case import MissingItemSupplied
from shared.topics import CASE_EVENTS
from services.intake import store
from services.intake.api.deps import CaseActor, IdempotencyKey, ItemNo, RuntimeDep, load_case, respond
from services.intake.api.errors import item_not_found
from services.intake.api.models import CasePublic, MissingItemResolutionIn
from services.intake.domain.missing_items import MissingItem, MissingItemState, supply_item, waive_item
from services.intake.store.idempotency import run_once
from services.intake.store.views import case_view

router = APIRouter(prefix="/cases", tags=["tracking"])


async def _resolve_missing_item(
    runtime: RuntimeDep, *, case_id: str, item_no: int, body: MissingItemResolutionIn, principal: Principal,
    waived: bool, key: str | None,
) -> Response:
    actor = principal.actor

    async def work(unit: Unit) -> tuple[int, dict[str, Any]]:
        case = await load_case(unit, case_id, principal=principal, permission="case.act")
        row = await unit.session.get(store.MissingItemRow, (case_id, item_no))
        if row is None:
            raise item_not_found("容缺材料", "missing item", item_no)
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
        return status.HTTP_200_OK, await case_view(unit.session, case, stuck_after_s=runtime.settings.stuck_after_s)

    verb = "waive" if waived else "supply"
    return respond(await run_once(runtime, key=key, scope=f"POST /cases/{case_id}/missing-items/{item_no}/{verb}",
                                  payload=body.model_dump(mode="json"), work=work, acting=principal))


@router.post("/{case_id}/missing-items/{item_no}/supply", response_model=CasePublic)
async def supply_missing_item(
    case_id: str, item_no: ItemNo, body: MissingItemResolutionIn, runtime: RuntimeDep,
    principal: CaseActor, idempotency_key: IdempotencyKey = None,
) -> Response:
    """The applicant brought a missing item (补齐) and staff checked it."""
    return await _resolve_missing_item(runtime, case_id=case_id, item_no=item_no, body=body, principal=principal,
                                       waived=False, key=idempotency_key)


@router.post("/{case_id}/missing-items/{item_no}/waive", response_model=CasePublic)
async def waive_missing_item(
    case_id: str, item_no: ItemNo, body: MissingItemResolutionIn, runtime: RuntimeDep,
    principal: CaseActor, idempotency_key: IdempotencyKey = None,
) -> Response:
    """A missing item is no longer required; `note` is the reason (required)."""
    return await _resolve_missing_item(runtime, case_id=case_id, item_no=item_no, body=body, principal=principal,
                                       waived=True, key=idempotency_key)


