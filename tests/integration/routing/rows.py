"""Routing's rows as months in service leave them, written straight into a migrated database."""

from datetime import UTC, datetime, timedelta

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def work_order(
    number: int, *, state: str, department: str = "market", coordinator: str | None = None
) -> dict[str, object]:
    """Work order `number`, created `number` minutes after START."""
    return {"id": f"wo-{state}-{department}-{number:04d}", "case_id": f"case-{number}", "case_number": f"DEMO-{number}",
            "district": "demo", "department": department, "role": "lead", "tier": "general", "state": state,
            "reason": "rule", "created_at": START + timedelta(minutes=number), "return_note": "",
            "coordinator": coordinator, "extensions": [], "escalations": [], "meetings": []}


def routed_case(case_id: str, *, state: str, at: datetime, description: str = "d") -> dict[str, object]:
    """A forwarded case created at `at`, and replied then when its state is `replied`."""
    return {"case_id": case_id, "case_number": case_id.upper(), "district": "demo", "problem_kind": "other",
            "description": description, "tier": "general", "suggested_departments": [], "state": state,
            "reason": "rule", "confidence": 0.0, "catalogue_version": 1, "route": ["market"], "returns": [],
            "referral": [], "reply": "已办结" if state == "replied" else None,
            "replied_at": at if state == "replied" else None, "created_at": at}
