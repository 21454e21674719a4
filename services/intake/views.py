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


async def case_view(session: AsyncSession, case: store.Case) -> dict[str, Any]:
    """The case as JSON, for the staff API (full personal data: staff need it to call back)."""
    body = case.model_dump(mode="json", exclude={f"applicant_{name}" for name in _APPLICANT_FIELDS})
    body["applicant"] = {name: getattr(case, f"applicant_{name}") for name in _APPLICANT_FIELDS}
    body["state_zh"] = STATE_LABELS_ZH[CaseState(case.state)]
    body["allowed_actions"] = [action.value for action in allowed_actions(case_status(case))]
    items = await store.batch_items(session, case_id=case.id)
    body["items"] = [
        {**row, "reference": item_reference(case.case_number, row["item_no"])} for row in _rows(items)
    ]
    progress = batch_progress(BatchItem(item_no=i.item_no, label=i.label, state=BatchItemState(i.state)) for i in items)
    body["item_progress"] = asdict(progress)
    body["transitions"] = _rows(await store.transitions(session, case_id=case.id))
    body["missing_items"] = _rows(await store.missing_items(session, case_id=case.id))
    body["attachments"] = _rows(await store.attachments(session, case_id=case.id))
    body["work_orders"] = _rows(await store.work_orders(session, case_id=case.id))
    body["cards"] = _rows(await store.cards(session, case_id=case.id))
    return body
