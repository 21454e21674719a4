"""The source articles' district, as events: 16 cases = 7 out of scope + 8 resolved + 1 in coordination.

Hand-computed figures (see test_audit_statistics):
- 7 out of scope, referred (不属于受理范围), no callback.
- 3 resolved on the spot (现场处理): callbacks satisfied, satisfied, basically satisfied.
- 5 dispatched and resolved: 3 to `market` (one closed late with a yellow card), 2 to `housing`;
  callbacks satisfied ×3, dissatisfied ×1, one never rated; all archived, one exemplary for the case library.
- 1 dispatched to `housing`, escalated to coordination (协调中) with a red card and one return.
"""

from datetime import UTC, datetime, timedelta

from shared.events import case, sla, workorder
from shared.topics import CASE_EVENTS, SLA_EVENTS, WORKORDER_EVENTS
from tests.integration.audit.conftest import AuditService

SEPTEMBER = datetime(2026, 9, 7, 1, 0, tzinfo=UTC)


def _registered(number: str, kind: str, matter: str | None, description: str) -> case.CaseRegistered:
    return case.CaseRegistered(
        case_number=number, hall="H1", channel="walk_in", problem_kind=kind, matter_code=matter,
        description=description, applicant_kind="person", applicant_masked="张*",
    )


def _dispatched(number: str, department: str) -> workorder.WorkOrderDispatched:
    return workorder.WorkOrderDispatched(
        work_order_id=f"wo-{number}",
        case_number=number,
        department=department,
        role="lead",
        tier="general",
        reason="rule",
    )


def district_plan(prefix: str) -> dict[str, list[tuple[str, object]]]:
    """Events per case id, in order."""
    plan: dict[str, list[tuple[str, object]]] = {}
    for i in range(7):
        n = f"{prefix}-oos-{i}"
        plan[n] = [
            (CASE_EVENTS, _registered(n, "out_of_scope_request", None, "咨询民事纠纷如何起诉")),
            (
                CASE_EVENTS,
                case.CaseReferredOutOfScope(
                    case_number=n, referral_target="court", explanation="属于司法程序，已引导至法院"
                ),
            ),
        ]
    for i, rating in enumerate(["satisfied", "satisfied", "basically_satisfied"]):
        n = f"{prefix}-spot-{i}"
        plan[n] = [
            (CASE_EVENTS, _registered(n, "missing_materials", "social_security", "社保转移缺少参保证明")),
            (CASE_EVENTS, case.CaseResolvedOnSpot(case_number=n, resolution="窗口现场调取参保证明")),
            (CASE_EVENTS, case.CallbackRecorded(case_number=n, satisfaction=rating)),
        ]
    dispatched = [("market", "satisfied", True), ("market", "satisfied", False), ("market", "dissatisfied", True),
                  ("housing", "satisfied", True), ("housing", None, True)]
    for i, (department, rating, on_time) in enumerate(dispatched):
        n = f"{prefix}-wo-{i}"
        events: list[tuple[str, object]] = [
            (
                CASE_EVENTS,
                _registered(n, "missing_materials", "lease_filing", "租赁备案缺银行同意函，孩子入学急需租赁凭证"),
            ),
            (CASE_EVENTS, case.CaseAccepted(case_number=n)),
            (WORKORDER_EVENTS, _dispatched(n, department)),
            (
                WORKORDER_EVENTS,
                workorder.WorkOrderReplied(
                    work_order_id=f"wo-{n}",
                    case_number=n,
                    department=department,
                    reply="已协调银行出具同意函，可办理租赁备案",
                ),
            ),
            (
                SLA_EVENTS,
                sla.DeadlineClosed(subject="work_order", subject_id=f"wo-{n}", department=department, on_time=on_time),
            ),
            (CASE_EVENTS, case.CaseReplied(case_number=n, reply="租赁凭证已办结")),
        ]
        if not on_time:
            events.append((SLA_EVENTS, sla.CardIssued(subject="work_order", subject_id=f"wo-{n}", department=department,
                                                      colour="yellow", reason="overdue", supervision_id=f"s-{n}")))
        if rating:
            events.append((CASE_EVENTS, case.CallbackRecorded(case_number=n, satisfaction=rating)))
        events.append((CASE_EVENTS, case.CaseArchived(case_number=n, exemplary=i == 0,
                                                      solution="银行同意函容缺受理，承诺后补" if i == 0 else "")))
        plan[n] = events
    n = f"{prefix}-coord-0"
    plan[n] = [
        (CASE_EVENTS, _registered(n, "cross_department", "lease_filing", "住改商经营场所登记多部门推诿")),
        (CASE_EVENTS, case.CaseAccepted(case_number=n)),
        (WORKORDER_EVENTS, _dispatched(n, "housing")),
        (WORKORDER_EVENTS, workorder.WorkOrderReturned(work_order_id=f"wo-{n}", case_number=n, department="housing",
                                                       reason="unclear_ownership", return_count=1)),
        (WORKORDER_EVENTS, workorder.WorkOrderEscalated(work_order_id=f"wo-{n}", case_number=n, level="district",
                                                        coordinator="district-office", reason="多部门职责交叉")),
        (SLA_EVENTS, sla.CardIssued(subject="work_order", subject_id=f"wo-{n}", department="housing", colour="red",
                                    reason="overdue_past_margin", supervision_id=f"s-{n}")),
    ]
    return plan


async def seed_district(audit: AuditService, prefix: str) -> int:
    """Publish the plan; returns the number of events sent."""
    sent = 0
    for index, (case_id, events) in enumerate(district_plan(prefix).items()):
        for step, (topic, event) in enumerate(events):
            at = SEPTEMBER + timedelta(days=index % 5, minutes=step)
            await audit.publish(topic, event, case_id=case_id, at=at)  # type: ignore[arg-type]  # the plan holds events of every type
            sent += 1
    return sent
