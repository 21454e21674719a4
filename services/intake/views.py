"""What staff see of a case: the row, what may be done next, and everything tracked around it."""

from dataclasses import asdict
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake import store
from services.intake.actions import case_status
from services.intake.domain.batch import BatchItem, BatchItemState, batch_progress, item_reference
from services.intake.domain.lifecycle import STATE_LABELS_ZH, CaseState, allowed_actions

_APPLICANT_FIELDS = ("kind", "name", "phone", "email", "id_type", "id_number", "credit_code", "contact_name")
_CHILD_OWNER = {"case_id"}


def _rows(rows: list) -> list[dict[str, Any]]:
    return [row.model_dump(mode="json", exclude=_CHILD_OWNER) for row in rows]


def case_body(
    case: store.Case, *, items: list[store.BatchItemRow], transitions: list[store.CaseTransition],
    missing_items: list[store.MissingItemRow], attachments: list[store.Attachment],
    work_orders: list[store.CaseWorkOrder], cards: list[store.CaseCard],
) -> dict[str, Any]:
    """The case as JSON, for the staff API (full personal data: staff need it to call back)."""
    body = case.model_dump(mode="json", exclude={f"applicant_{name}" for name in _APPLICANT_FIELDS})
    body["applicant"] = {name: getattr(case, f"applicant_{name}") for name in _APPLICANT_FIELDS}
    body["state_zh"] = STATE_LABELS_ZH[CaseState(case.state)]
    body["allowed_actions"] = [action.value for action in allowed_actions(case_status(case))]
    body["items"] = [
        {**row, "reference": item_reference(case.case_number, row["item_no"])} for row in _rows(items)
    ]
    progress = batch_progress(BatchItem(item_no=i.item_no, label=i.label, state=BatchItemState(i.state)) for i in items)
    body["item_progress"] = asdict(progress)
    body["transitions"] = _rows(transitions)
    body["missing_items"] = _rows(missing_items)
    body["attachments"] = _rows(attachments)
    body["work_orders"] = _rows(work_orders)
    body["cards"] = _rows(cards)
    return body


async def case_view(session: AsyncSession, case: store.Case) -> dict[str, Any]:
    """`case_body` of a stored case, its children read from the database."""
    return case_body(
        case,
        items=await store.batch_items(session, case_id=case.id),
        transitions=await store.transitions(session, case_id=case.id),
        missing_items=await store.missing_items(session, case_id=case.id),
        attachments=await store.attachments(session, case_id=case.id),
        work_orders=await store.work_orders(session, case_id=case.id),
        cards=await store.cards(session, case_id=case.id),
    )
