"""From a stream event to what notify learns of the case and what it must tell (a Trigger).

Each event contributes facts (case number, hall, lead department, deadlines) and, when a rule may apply,
a Trigger: the rule key to look up (the event's `type`, or `type:variant` for cards), the departments it
concerns, and the event's own template variables. `facts` is the case's row as the planner holds it
(`store.casebook.Row`: its columns as attributes).
"""

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from shared.events import case, sla, workorder
from shared.events.base import Event

SATISFACTION = {"satisfied": "满意 / satisfied", "basically_satisfied": "基本满意 / basically satisfied",
                "dissatisfied": "不满意 / dissatisfied"}
RETURN_REASONS = {"wrong_locality": "不属本地 / wrong locality", "unclear_ownership": "职责不清 / unclear ownership",
                  "overlapping_duties": "职责交叉 / overlapping duties", "other": "其他 / other"}
CANCEL_CAUSES = {"withdrawn": "办事人撤回 / withdrawn by the applicant", "merged": "并单 / merged as a duplicate",
                 "referred_out_of_scope": "不属于受理范围，已告知并转交 / referred out of scope",
                 "lead_returned": "主办部门退单，案件已改派 / the lead returned it and the case was routed elsewhere"}
NO_CALLBACK = "未回访 / no callback"
ON_TIME = {True: "按时 / on time", False: "超期 / late", None: "未知 / not known"}
DATETIME_VARIABLES = frozenset({"deadline"})  # stored as ISO text, rendered in local time


@dataclass(frozen=True, slots=True)
class Trigger:
    rule_key: str
    lead_department: str | None = None  # None: the case's lead department, if known
    assisting_departments: tuple[str, ...] = ()
    only_departments: bool = False  # the event names its department: do not add the case's lead
    variables: dict[str, Any] = field(default_factory=dict)
    # The work order the message is about: its own deadline is the one shown.
    work_order_id: str | None = None
    # Planned only once that deadline is armed: a dispatch reaches notify before sla has armed its order.
    await_deadline: bool = False
    figures: dict[str, str | bool | None] = field(default_factory=dict)  # for 12345 (model.HotlineFigures)

    def dump(self) -> dict[str, Any]:
        variables = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in self.variables.items()}
        return {"rule_key": self.rule_key, "lead_department": self.lead_department,
                "assisting_departments": list(self.assisting_departments),
                "only_departments": self.only_departments, "variables": variables, "figures": self.figures,
                "work_order_id": self.work_order_id, "await_deadline": self.await_deadline}

    @classmethod
    def load(cls, raw: dict[str, Any]) -> "Trigger":
        variables = {k: datetime.fromisoformat(v) if k in DATETIME_VARIABLES and isinstance(v, str) else v
                     for k, v in raw["variables"].items()}
        return cls(rule_key=raw["rule_key"], lead_department=raw["lead_department"],
                   assisting_departments=tuple(raw["assisting_departments"]),
                   only_departments=raw["only_departments"], variables=variables, figures=raw.get("figures", {}),
                   # absent from triggers recorded before they existed
                   work_order_id=raw.get("work_order_id"), await_deadline=raw.get("await_deadline", False))


def order_kind(dispatch_round: int) -> dict[str, str]:
    """A first round's order is new; a later round's is a redo (重办) the department must tell apart."""
    if dispatch_round <= 1:
        return {"order_kind_zh": "新工单", "order_kind_en": "new work order"}
    return {"order_kind_zh": f"重办工单（第 {dispatch_round} 轮）",
            "order_kind_en": f"redo work order (round {dispatch_round})"}


def learn(facts: SimpleNamespace, event: Event) -> None:
    """Update what notify knows of the case from `event` (any stream)."""
    if number := getattr(event, "case_number", None):
        facts.case_number = number
    match event:
        case case.CaseRegistered():
            facts.hall, facts.green_channel = event.hall, event.green_channel
            facts.hotline_ticket_id = event.hotline_order_id
            facts.summary = facts.summary or event.description
        case case.CaseForwarded():
            facts.hall, facts.green_channel = event.hall, facts.green_channel or event.green_channel
            facts.summary = event.description
        case workorder.WorkOrderDispatched() if event.role == "lead":
            facts.lead_department = event.department
        case sla.DeadlineArmed(subject="case"):
            facts.case_due_at = event.due_at
        case sla.DeadlineArmed(subject="work_order") | sla.DeadlinePaused(subject="work_order"):
            # Re-armed at sign-for, resumption, extension, calendar change; None while paused.
            due_at = event.due_at if isinstance(event, sla.DeadlineArmed) else None
            facts.work_order_deadlines = {**facts.work_order_deadlines,
                                          event.subject_id: due_at.isoformat() if due_at else None}
        case sla.DeadlineClosed(subject="case"):
            facts.reply_on_time = event.on_time
        case case.CallbackRecorded():
            facts.satisfaction = event.satisfaction


def trigger_for(event: Event, facts: SimpleNamespace) -> Trigger | None:
    """The Trigger `event` raises, or None for events no rule is about."""
    match event:
        case case.CaseRegistered():
            return Trigger(event.type)
        case case.CaseArchived():
            # 12345 counts a case it forwarded as answered on time or late, and its caller satisfied or not;
            # null when sla or the callback never told (a case closed without a callback).
            return Trigger(event.type, figures={"on_time": facts.reply_on_time, "satisfaction": facts.satisfaction},
                           variables={"on_time": ON_TIME[facts.reply_on_time],
                                      "satisfaction": SATISFACTION.get(facts.satisfaction or "", NO_CALLBACK)})
        case case.CaseAccepted():
            return Trigger(event.type, variables={"deadline": facts.case_due_at} if facts.case_due_at else {})
        case case.CaseReplied():
            return Trigger(event.type, variables={"reply": event.reply})
        case case.CallbackRecorded():
            return Trigger(event.type, variables={"satisfaction": SATISFACTION[event.satisfaction]})
        case workorder.WorkOrderDispatched():
            lead, assisting = (event.department, ()) if event.role == "lead" else (None, (event.department,))
            return Trigger(event.type, lead_department=lead, assisting_departments=assisting, only_departments=True,
                           variables=order_kind(event.round), work_order_id=event.work_order_id, await_deadline=True)
        case workorder.WorkOrderReturned():
            reason = RETURN_REASONS[event.reason] + (f"（{event.note}）" if event.note else "")
            return Trigger(event.type, lead_department=event.department, only_departments=True,
                           variables={"return_reason": reason})
        case workorder.WorkOrderCancelled():
            cause = CANCEL_CAUSES[event.cause] + (f"，并入 {event.into_case_number}" if event.into_case_number else "")
            return Trigger(event.type, lead_department=event.department, only_departments=True,
                           variables={"cancel_reason": f"{cause}（{event.reason}）"})
        case workorder.WorkOrderEscalated():
            return Trigger(event.type, variables={"escalation_reason": event.reason})
        case workorder.PingPongDetected():
            return Trigger(event.type, variables={"pingpong_count": len(event.departments)})
        case sla.DeadlineWarned():
            return Trigger(event.type, lead_department=event.department, variables={"deadline": event.due_at})
        case sla.UrgingNoticeSent():
            # 催办 names the department urged; an item on the case's own deadline urges its lead department.
            return Trigger(event.type, lead_department=event.department, only_departments=event.department is not None,
                           variables={"urging_note": event.note}, work_order_id=_work_order_of(event))
        case sla.CardIssued():
            variables = {"deadline": event.due_at} if event.due_at else {}
            return Trigger(f"{event.type}:{event.colour}", lead_department=event.department, variables=variables,
                           work_order_id=_work_order_of(event),
                           figures={"card": event.colour, "reason": event.reason, "subject": event.subject,
                                    "department": event.department})
    return None


def _work_order_of(event: sla.UrgingNoticeSent | sla.CardIssued) -> str | None:
    return event.subject_id if event.subject == "work_order" else None
