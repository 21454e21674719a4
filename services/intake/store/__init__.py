"""Intake's store: its tables (`tables`), keyword-only queries (`queries`) and Core inserts of plain rows
(`rows`), named here as `store.Case`, `store.get_case`, `store.insert_values`; and the write machinery beside
them: the group commit (`group_commit`, `batch_writer`, `registration_batch`), Idempotency-Keys
(`idempotency`), a case's lifecycle steps (`actions`), registration (`registration`), the sealed personal
data (`personal_data`), the case as its JSON body (`views`), and attachments' files (`attachments`, `objects`,
`scanning`)."""

from services.intake.store.queries import (
    batch_items,
    cards,
    case_work_orders,
    cases_with_work_orders,
    count_by_state,
    delivery_seen,
    dispatch_count,
    existing_case_ids,
    find_case_by_hotline_order,
    find_case_by_number,
    find_cases,
    find_idempotency_record,
    get_case,
    idempotency_records,
    lead_departments,
    missing_items,
    next_sequence,
    open311_cases,
    open311_key,
    prune_before,
    queue_cases,
    referral_advice,
    set_reply_due,
    stuck_condition,
    take_sequence,
    transitions,
    work_orders,
)
from services.intake.store.rows import insert_values
from services.intake.store.tables import (
    Attachment,
    BatchItemRow,
    Case,
    CaseCard,
    CaseNumberSequence,
    CaseReferralAdvice,
    CaseTransition,
    CaseWorkOrder,
    HotlineDelivery,
    IdempotencyRecord,
    MissingItemRow,
    Open311Key,
)

__all__ = [
    "Attachment", "BatchItemRow", "Case", "CaseCard", "CaseNumberSequence", "CaseReferralAdvice", "CaseTransition",
    "CaseWorkOrder", "HotlineDelivery", "IdempotencyRecord", "MissingItemRow", "Open311Key",
    "batch_items", "case_work_orders", "cards", "cases_with_work_orders", "count_by_state",
    "delivery_seen", "dispatch_count", "existing_case_ids", "find_case_by_hotline_order", "find_case_by_number",
    "find_cases", "find_idempotency_record", "get_case", "idempotency_records", "insert_values", "lead_departments",
    "missing_items", "next_sequence", "open311_cases", "open311_key", "prune_before", "queue_cases",
    "referral_advice", "set_reply_due", "stuck_condition", "take_sequence", "transitions", "work_orders",
]
