"""What staff see of a case: the row, what may be done next, and everything tracked around it."""

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import now_utc, stored_utc
from services.intake import store
from services.intake.domain.batch import BatchItem, BatchItemState, batch_progress, item_reference
from services.intake.domain.lifecycle import STATE_LABELS_ZH, ActionKind, CaseState, allowed_actions
from services.intake.domain.queues import Stuck, stuck
from services.intake.store.actions import status_of
from services.intake.store.attachments import case_attachments

Row = Mapping[str, Any]
# What the case shows of each attachment (the list route, GET /cases/{id}/attachments, shows who uploaded it).
ATTACHMENT_FIELDS = ("id", "file_name", "content_type", "size_bytes", "sha256", "description")


def _rows(rows: list[Row]) -> list[dict[str, Any]]:
    return [{name: value for name, value in row.items() if name != "case_id"} for row in to_jsonable_python(rows)]


def case_body(
    case: Row, *, items: list[Row], transitions: list[Row], missing_items: list[Row], attachments: list[Row],
    work_orders: list[Row], cards: list[Row], stuck: Stuck | None = None, referral_advice: Row | None = None,
) -> dict[str, Any]:
    """The case as JSON, for the staff API, its applicant masked (`POST /cases/{id}/reveal` shows it whole). Rows
    are plain (column → value): registration answers from the rows it just wrote, `case_view` from
    the ones it read. Values become JSON as pydantic's `model_dump(mode="json")` would render them."""
    case_json = to_jsonable_python(case)
    body = {name: value for name, value in case_json.items() if not name.startswith("applicant_")}
    body["applicant"] = case_json["applicant_masked"]
    body["state_zh"] = STATE_LABELS_ZH[CaseState(case["state"])]
    status = status_of(state=case["state"], resume_to=case["resume_to"])
    body["allowed_actions"] = [action.value for action in allowed_actions(status)]
    body["items"] = [
        {**row, "reference": item_reference(case["case_number"], row["item_no"])} for row in _rows(items)
    ]
    progress = batch_progress(
        BatchItem(item_no=i["item_no"], label=i["label"], state=BatchItemState(i["state"])) for i in items
    )
    body["item_progress"] = asdict(progress)
    body["transitions"] = _rows(transitions)
    body["missing_items"] = _rows(missing_items)
    body["attachments"] = [{name: row[name] for name in ATTACHMENT_FIELDS} for row in _rows(attachments)]
    body["work_orders"] = _rows(work_orders)
    # Each forward (登记转发) opens a round of work orders; a redo (重办) is the second forward and on.
    body["round"] = max(1, sum(1 for t in transitions if t["action"] == "dispatch"))
    body["cards"] = _rows(cards)
    body["referral_advice"] = _advice(referral_advice, transitions=transitions, work_orders=work_orders)
    body["stuck"] = to_jsonable_python(stuck)
    return body


def _advice(advice: Row | None, *, transitions: list[Row], work_orders: list[Row]) -> dict[str, Any] | None:
    """Routing's out-of-scope advice with where it stands: confirmed once staff referred the case, overruled
    once a work order is live (routing dispatches nothing while it advises; a returned one came before), else
    advised."""
    if advice is None:
        return None
    shown = {name: value for name, value in to_jsonable_python(advice).items() if name != "case_id"}
    if any(t["action"] == ActionKind.refer_out_of_scope for t in transitions):
        shown["status"] = "confirmed"
    elif any(o["state"] in ("dispatched", "replied") for o in work_orders):
        shown["status"] = "overruled"
    else:
        shown["status"] = "advised"
    return shown


def _aware(row: SQLModel) -> dict[str, Any]:
    """The row's columns, its times in UTC with their zone (SQLite gives them back without one)."""
    return {name: stored_utc(value) if isinstance(value, datetime) else value
            for name, value in row.model_dump().items()}


def _plain(rows: list[SQLModel]) -> list[dict[str, Any]]:
    return [_aware(row) for row in rows]


async def case_view(session: AsyncSession, case: store.Case, *, stuck_after_s: float) -> dict[str, Any]:
    """`case_body` of a stored case, its children read from the database; stuck or not as of now."""
    work_orders = _plain(await store.work_orders(session, case_id=case.id))
    row = _aware(case)
    return case_body(
        row,
        items=_plain(await store.batch_items(session, case_id=case.id)),
        transitions=_plain(await store.transitions(session, case_id=case.id)),
        missing_items=_plain(await store.missing_items(session, case_id=case.id)),
        attachments=_plain(await case_attachments(session, case_id=case.id)),
        work_orders=work_orders,
        cards=_plain(await store.cards(session, case_id=case.id)),
        referral_advice=_aware(advice) if (advice := await store.referral_advice(session, case_id=case.id)) else None,
        stuck=stuck(state=row["state"], forwarded_at=row["updated_at"], has_work_orders=bool(work_orders),
                    now=now_utc(), stuck_after_s=stuck_after_s),
    )


SUMMARY_COLUMNS = ("id", "case_number", "district", "hall", "channel", "problem_kind", "state", "green_channel",
                   "hotline_order_id", "reply_due_at", "received_at", "created_at", "updated_at")


async def case_summaries(session: AsyncSession, cases: list[store.Case], *, stuck_after_s: float) -> list[Row]:
    """Cases as lists and searches show them (api/models.CaseSummary), each stuck or not as of now: one
    query for which of them have work orders."""
    now = now_utc()
    served = await store.cases_with_work_orders(
        session, case_ids=[case.id for case in cases if case.state == CaseState.dispatched])
    summaries = []
    for case in cases:
        row = {name: getattr(case, name) for name in SUMMARY_COLUMNS}
        row = {name: stored_utc(value) if isinstance(value, datetime) else value for name, value in row.items()}
        summaries.append({**row, "applicant": case.applicant_masked, "stuck": stuck(
            state=case.state, forwarded_at=row["updated_at"], has_work_orders=case.id in served, now=now,
            stuck_after_s=stuck_after_s)})
    return summaries
