"""The read model applied in bulk: a batch's events moving one case together end where the same events,
one batch each, end — the row, its search text and the rollup."""

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlmodel import select

from shared.envelope import Envelope
from shared.events import case, sla, workorder
from shared.runtime import Runtime
from shared.topics import CASE_EVENTS
from services.audit.domain.filters import CaseFilter
from services.audit.domain.fulltext import index_tokens
from services.audit.domain.signing import generate_signing_key
from services.audit.domain.statistics import Dimension
from services.audit.handlers import append_and_apply
from services.audit.store import reports, search
from services.audit.store.audit_log import Signer
from services.audit.store.tables import CaseFactsRow
from tests.integration.audit.conftest import with_databases

AT = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)


def walked_case(case_id: str, district: str) -> list[Envelope]:
    """A case from its registration to its archive, a work-order event before its registration."""
    events = [
        workorder.WorkOrderDispatched(
            work_order_id="wo-1", case_number="N-1", department="housing", role="lead", tier="general", reason="rule"
        ),
        case.CaseRegistered(
            case_number="N-1",
            hall="H1",
            channel="walk_in",
            problem_kind="missing_materials",
            matter_code="lease_filing",
            description="租赁备案缺少同意函",
            applicant_kind="person",
            applicant_masked="张*",
        ),
        case.CaseAccepted(case_number="N-1"),
        workorder.WorkOrderReturned(
            work_order_id="wo-1", case_number="N-1", department="housing", reason="unclear_ownership", return_count=1
        ),
        sla.CardIssued(subject="case", subject_id=case_id, colour="yellow", reason="overdue", supervision_id="s-1"),
        workorder.WorkOrderReplied(
            work_order_id="wo-1", case_number="N-1", department="housing", reply="银行同意函已出具"
        ),
        case.CaseReplied(case_number="N-1", reply="已办结"),
        sla.DeadlineClosed(subject="case", subject_id=case_id, on_time=False),
        case.CallbackRecorded(case_number="N-1", satisfaction="basically_satisfied"),
        case.CaseArchived(case_number="N-1", exemplary=True, solution="同意函模板入库"),
    ]
    return [
        Envelope.wrap(
            event, source="test", case_id=case_id, district=district, actor="staff:1", hall="H1", occurred_at=AT
        )
        for event in events
    ]


async def apply(runtime: Runtime, batches: list[list[Envelope]]) -> None:
    record = SimpleNamespace(topic=CASE_EVENTS, partition=0, headers=[])
    signer = Signer(private_key=generate_signing_key(), every=1000)
    for batch in batches:
        async with runtime.sessions() as session, session.begin():
            await append_and_apply(session, [(envelope, record) for envelope in batch], signer=signer)


@with_databases
async def test_a_batch_moving_a_case_through_its_path_ends_where_one_event_per_batch_ends(migrated: Runtime) -> None:
    together, apart = walked_case("case-together", "d-together"), walked_case("case-apart", "d-apart")
    await apply(migrated, [together])
    await apply(migrated, [[envelope] for envelope in apart])
    async with migrated.sessions() as session:
        rows = {row.case_id: row.model_dump(exclude={"case_id"}) for row in await session.exec(select(CaseFactsRow))}
        rolled = [
            await reports.statistics(session, CaseFilter(district=(district,)))
            for district in ("d-together", "d-apart")
        ]
        found = await search.search_cases(session, CaseFilter(text="同意函模板"), limit=10)
    assert rows["case-together"] | {"district": "d-apart"} == rows["case-apart"]
    assert rows["case-apart"]["search_tokens"] == index_tokens(
        "租赁备案缺少同意函\n银行同意函已出具\n已办结\n同意函模板入库"
    )
    assert rolled[0] == rolled[1] and rolled[0][(None, None)].received == 1
    assert {case["case_id"] for case in found} == {"case-together", "case-apart"}


def redone_case(case_id: str) -> list[Envelope]:
    """A case replied, reopened by a dissatisfied callback (重办), its second round answered late."""
    events = [
        case.CaseRegistered(case_number="R-1", hall="H1", channel="walk_in", problem_kind="missing_materials",
                            description="租赁备案", applicant_kind="person", applicant_masked="张*"),
        workorder.WorkOrderDispatched(work_order_id="wo-r1", case_number="R-1", department="housing", role="lead",
                                      tier="general", reason="rule"),
        sla.DeadlineClosed(subject="work_order", subject_id="wo-r1", department="housing", on_time=True),
        case.CaseReplied(case_number="R-1", reply="已办结"),
        case.CallbackRecorded(case_number="R-1", satisfaction="dissatisfied"),
        case.CaseReopened(case_number="R-1", reason="回访不满意,重办"),
        workorder.WorkOrderDispatched(work_order_id="wo-r2", case_number="R-1", department="housing", role="lead",
                                      tier="general", reason="重办（第 2 轮）", round=2),
        sla.DeadlineClosed(subject="work_order", subject_id="wo-r2", department="housing", on_time=False),
    ]
    return [Envelope.wrap(event, source="test", case_id=case_id, district="d-redo", actor="staff:1", hall="H1",
                          occurred_at=AT) for event in events]


@with_databases
async def test_a_redo_and_its_missed_deadline_are_counted_for_the_lead_department(migrated: Runtime) -> None:
    await apply(migrated, [[envelope] for envelope in redone_case("case-redo")])
    async with migrated.sessions() as session:
        overall = await reports.statistics(session, CaseFilter(district=("d-redo",)))
        by_department = await reports.statistics(session, CaseFilter(district=("d-redo",)),
                                                 dimension=Dimension.DEPARTMENT)
    figures = overall[(None, None)]
    assert (figures.redos, figures.redo_overdue, figures.overdue) == (1, 1, 1)
    assert by_department[("housing", None)].redos == 1


def registered(case_id: str, *, kind: str, consultation: bool) -> list[Envelope]:
    """A case registered and accepted at a Chengzhong-like hall; a consultation (咨询) is answered on the spot."""
    events = [
        case.CaseRegistered(case_number=f"C-{case_id}", hall="H1", channel="walk_in", problem_kind=kind,
                            description="咨询社保转移", applicant_kind="person", applicant_masked="李*",
                            consultation=consultation),
        case.CaseAccepted(case_number=f"C-{case_id}"),
        case.CaseResolvedOnSpot(case_number=f"C-{case_id}", resolution="已当场解答"),
    ]
    return [Envelope.wrap(event, source="test", case_id=case_id, district="d-consult", actor="staff:1", hall="H1",
                          occurred_at=AT) for event in events]


@with_databases
async def test_consultations_are_counted_apart_from_cases_in_every_count_and_rate(migrated: Runtime) -> None:
    batches = [registered(f"consult-{n}", kind="consultation", consultation=True) for n in range(3)]
    batches += [registered(f"case-{n}", kind="no_department", consultation=False) for n in range(2)]
    await apply(migrated, batches)
    async with migrated.sessions() as session:
        rolled = (await reports.statistics(session, CaseFilter(district=("d-consult",))))[(None, None)]
        counted = (await reports.statistics(session, CaseFilter(district=("d-consult",), text="社保")))[(None, None)]
    for figures in (rolled, counted):  # the rollup and the case rows' recount agree
        assert (figures.received, figures.consultations, figures.cases) == (5, 3, 2)
        assert (figures.accepted, figures.resolved, figures.closed, figures.in_progress) == (2, 2, 2, 0)
        assert (figures.response_rate.numerator, figures.response_rate.denominator) == (2, 2)
        assert (figures.resolution_rate.numerator, figures.resolution_rate.denominator) == (2, 2)


def returned_and_rerouted(case_id: str) -> list[Envelope]:
    """Housing leads, returns it (退单); the case goes to market, the lead it ends with."""
    events = [
        case.CaseRegistered(case_number="T-1", hall="H1", channel="walk_in", problem_kind="no_department",
                            description="住改商证明", applicant_kind="person", applicant_masked="周*"),
        workorder.WorkOrderDispatched(work_order_id="wo-t1", case_number="T-1", department="housing", role="lead",
                                      tier="general", reason="rule"),
        workorder.WorkOrderReturned(work_order_id="wo-t1", case_number="T-1", department="housing",
                                    reason="unclear_ownership", return_count=1),
        workorder.WorkOrderDispatched(work_order_id="wo-t2", case_number="T-1", department="market", role="lead",
                                      tier="general", reason="reroute"),
    ]
    return [Envelope.wrap(event, source="test", case_id=case_id, district="d-return", actor="staff:1", hall="H1",
                          occurred_at=AT) for event in events]


@with_databases
async def test_a_return_is_charged_to_the_department_that_returned_it(migrated: Runtime) -> None:
    await apply(migrated, [returned_and_rerouted("case-returned")])
    async with migrated.sessions() as session:
        by_department = await reports.statistics(session, CaseFilter(district=("d-return",)),
                                                 dimension=Dimension.DEPARTMENT)
        housing_only = await reports.statistics(session, CaseFilter(district=("d-return",), department=("housing",)),
                                                dimension=Dimension.DEPARTMENT)
        overall = await reports.statistics(session, CaseFilter(district=("d-return",)))
    assert (by_department[("market", None)].received, by_department[("market", None)].returns) == (1, 0)
    assert (by_department[("housing", None)].received, by_department[("housing", None)].returns) == (0, 1)
    assert housing_only == {("housing", None): by_department[("housing", None)]}
    assert overall[(None, None)].returns == 1


def states_walk(case_id: str, *, ends: list) -> list[Envelope]:
    events = [
        case.CaseRegistered(case_number=case_id, hall="H1", channel="walk_in", problem_kind="no_department",
                            description="公示期", applicant_kind="person", applicant_masked="吴*"),
        case.CaseAccepted(case_number=case_id),
        workorder.WorkOrderDispatched(work_order_id=f"wo-{case_id}", case_number=case_id, department="housing",
                                      role="lead", tier="general", reason="rule"),
        case.CasePaused(case_number=case_id, reason="公示期"),
        *ends,
    ]
    return [Envelope.wrap(event, source="test", case_id=case_id, district="d-states", actor="staff:1", hall="H1",
                          occurred_at=AT) for event in events]


@with_databases
async def test_case_states_are_named_as_intake_names_them(migrated: Runtime) -> None:
    await apply(migrated, [
        states_walk("s-paused", ends=[]),
        states_walk("s-resumed", ends=[case.CaseResumed(case_number="s-resumed", reason="公示期满")]),
        states_walk("s-withdrawn", ends=[case.CaseWithdrawn(case_number="s-withdrawn", reason="已自行办结"),
                                         case.CaseArchived(case_number="s-withdrawn")]),
    ])
    async with migrated.sessions() as session:
        rows = {row.case_id: row.state for row in await session.exec(select(CaseFactsRow))
                if row.case_id.startswith("s-")}
        figures = (await reports.statistics(session, CaseFilter(district=("d-states",))))[(None, None)]
    assert rows == {"s-paused": "paused", "s-resumed": "dispatched", "s-withdrawn": "withdrawn"}
    assert (figures.received, figures.closed, figures.in_progress) == (3, 0, 3)
