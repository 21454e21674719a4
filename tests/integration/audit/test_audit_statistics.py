"""Statistics, assessment, search, the case library and the frequency report over the articles' district,
fed through the real consumer on the real broker; every figure below is computed by hand in seed_district."""

import csv
import io
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import openpyxl
from prometheus_client import REGISTRY
from sqlalchemy import func
from sqlmodel import select

from shared.clock import SHANGHAI
from shared.envelope import Envelope
from shared.events.case import CaseAccepted, CaseRegistered
from shared.events.workorder import WorkOrderDispatched
from shared.runtime import Runtime
from shared.topics import CASE_EVENTS
from services.audit.domain.filters import CaseFilter
from services.audit.domain.signing import generate_signing_key
from services.audit.domain.statistics import Dimension, Period
from services.audit.handlers import append_and_apply
from services.audit.metrics import refresh_gauges
from services.audit.store import reports, tallies
from services.audit.store.audit_log import Signer
from services.audit.store.tables import CaseFactsRow, CaseTallyRow, LogEntry
from tests.integration.audit.conftest import AuditService, with_databases
from tests.integration.audit.seed_district import SEPTEMBER, district_plan, seed_district


async def seeded(audit: AuditService, prefix: str) -> None:
    await seed_district(audit, prefix)
    expected = sum(len(events) for events in district_plan(prefix).values())

    async def all_applied() -> bool:
        async with audit.runtime.sessions() as session:
            logged = await session.exec(
                select(func.count()).select_from(LogEntry).where(LogEntry.case_id.startswith(prefix))
            )
            return logged.one() >= expected

    await audit.wait_until(all_applied, timeout_s=60)
    async with audit.runtime.sessions() as session:
        assert (
            await session.exec(
                select(func.count()).select_from(CaseFactsRow).where(CaseFactsRow.district == audit.district)
            )
        ).one() == 16


def rate(figure: dict) -> Fraction:
    return Fraction(figure["numerator"], figure["denominator"])


@with_databases
async def test_statistics_reproduce_the_articles_district_by_hand(audit: AuditService) -> None:
    await seeded(audit, audit.district)
    async with audit.client() as http:
        [total] = (await http.get("/statistics", params={"district": audit.district})).json()["items"]
        by_department = {
            row["value"]: row
            for row in (
                await http.get(
                    "/statistics", params={"district": audit.district, "by": "department", "period": "month"}
                )
            ).json()["items"]
        }
        csv_export = await http.get("/assessment", params={"district": audit.district, "format": "csv"})
        xlsx_export = await http.get("/assessment", params={"district": audit.district, "format": "xlsx"})

    counted = {
        name: total[name]
        for name in (
            "received",
            "accepted",
            "resolved_on_the_spot",
            "out_of_scope",
            "dispatched",
            "replied",
            "responded",
            "resolved",
            "closed",
            "on_time",
            "overdue",
            "yellow_cards",
            "red_cards",
            "returns",
            "extensions",
            "rated",
            "satisfied",
        )
    }
    assert counted == {
        "received": 16,
        "accepted": 6,
        "resolved_on_the_spot": 3,
        "out_of_scope": 7,
        "dispatched": 6,
        "replied": 5,
        "responded": 16,
        "resolved": 8,
        "closed": 15,
        "on_time": 4,
        "overdue": 1,
        "yellow_cards": 1,
        "red_cards": 1,
        "returns": 1,
        "extensions": 0,
        "rated": 7,
        "satisfied": 6,
    }
    assert total["in_progress"] == 1
    assert rate(total["response_rate"]) == 1  # 16 / 16
    assert rate(total["resolution_rate"]) == Fraction(8, 9)  # out-of-scope left out of both sides
    assert rate(total["satisfaction_rate"]) == Fraction(6, 7)
    assert total["resolution_rate"]["percent"] == 88.9 and total["satisfaction_rate"]["percent"] == 85.7

    assert set(by_department) == {None, "market", "housing"}
    assert all(row["period"] == "2026-09" for row in by_department.values())
    market, housing = by_department["market"], by_department["housing"]
    assert (market["received"], market["resolved"], market["yellow_cards"], market["overdue"]) == (3, 3, 1, 1)
    assert (housing["received"], housing["resolved"], housing["red_cards"], housing["returns"]) == (3, 2, 1, 1)
    assert rate(market["satisfaction_rate"]) == Fraction(2, 3) and rate(housing["resolution_rate"]) == Fraction(2, 3)

    lines = list(csv.reader(io.StringIO(csv_export.content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == ["housing", "market"]  # lowest score first
    assert [(line[-2], line[-1]) for line in lines[1:]] == [("2.0", "98.0"), ("0.5", "99.5")]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_export.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["housing", "market"]
    assert [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [98.0, 99.5]

    await refresh_gauges(audit.runtime, now=SEPTEMBER)
    labels = {"dimension": "district", "value": audit.district, "month": "2026-09"}
    assert REGISTRY.get_sample_value("bancheng_audit_cases", labels | {"figure": "received"}) == 16
    assert REGISTRY.get_sample_value("bancheng_audit_rate_percent", labels | {"rate": "resolution_rate"}) == 88.9
    assert (
        REGISTRY.get_sample_value("bancheng_audit_assessment_score", {"department": "housing", "month": "2026-09"})
        == 98
    )


@with_databases
async def test_search_library_and_frequency_report_over_the_district(audit: AuditService) -> None:
    await seeded(audit, audit.district)
    district = {"district": audit.district}
    async with audit.client() as http:
        lease = (await http.get("/cases", params=district | {"text": "租赁凭证"})).json()["items"]
        replies = (await http.get("/cases", params=district | {"text": "同意函", "department": "market"})).json()[
            "items"
        ]
        yellow = (await http.get("/cases", params=district | {"card_colour": "yellow"})).json()["items"]
        coordination = (await http.get("/cases", params=district | {"in_coordination": "true"})).json()["items"]
        library = (await http.get("/library", params=district | {"text": "容缺"})).json()["items"]
        report = (
            await http.get(
                "/analysis/high-frequency", params=district | {"month": "2026-09", "group_by": ["matter", "kind"]}
            )
        ).json()

    assert len(lease) == 5 and all(case["matter"] == "lease_filing" for case in lease)
    assert len(replies) == 3
    assert [case["case_id"] for case in yellow] == [f"{audit.district}-wo-1"]
    assert [case["case_id"] for case in coordination] == [f"{audit.district}-coord-0"]
    assert [(case["case_id"], case["solution"]) for case in library] == [
        (f"{audit.district}-wo-0", "银行同意函容缺受理，承诺后补")
    ]
    rising = {(t["matter"], t["kind"]): t["current"] for t in report["rising"]}
    assert rising == {
        ("-", "out_of_scope_request"): 7,
        ("lease_filing", "missing_materials"): 5,
        ("social_security", "missing_materials"): 3,
    }


@with_databases
async def test_unknown_filter_or_reversed_range_gets_422_naming_the_field(audit: AuditService) -> None:
    async with audit.client() as http:
        unknown = await http.get("/cases", params={"colour": "red"})
        reversed_range = await http.get(
            "/statistics",
            params={"received_from": "2026-09-02T00:00:00+08:00", "received_to": "2026-09-01T00:00:00+08:00"},
        )
        empty_text = await http.get("/cases", params={"text": "，。！"})
        bad_format = await http.get("/assessment", params={"format": "pdf"})
    assert unknown.status_code == 422 and unknown.json()["errors"] == [
        {"field": "colour", "zh": "colour:未知的筛选条件", "en": "colour: unknown filter"}
    ]
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"] == [
        {
            "field": "received_to",
            "zh": "received_to:received_to 须晚于 received_from",
            "en": "received_to: received_to must be later than received_from",
        }
    ]
    assert empty_text.status_code == 422 and empty_text.json()["errors"][0]["field"] == "text"
    assert bad_format.status_code == 422 and bad_format.json()["errors"][0]["field"] == "format"


@with_databases
async def test_statistics_rollup_equals_a_recount_from_the_case_rows(audit: AuditService) -> None:
    await seeded(audit, audit.district)
    shanghai_day = datetime(2026, 9, 7, tzinfo=SHANGHAI)
    filters = [
        CaseFilter(district=(audit.district,)),
        CaseFilter(district=(audit.district,), department=("market", "housing")),
        CaseFilter(
            district=(audit.district,), received_from=shanghai_day, received_to=shanghai_day + timedelta(days=1)
        ),
        CaseFilter(district=(audit.district,), received_from=datetime(2026, 9, 1, tzinfo=SHANGHAI)),
    ]
    async with audit.runtime.sessions() as session:
        for case_filter in filters:
            for dimension in (None, *Dimension):
                for period in (None, *Period):
                    assert tallies.grain_for(case_filter, period) is not None
                    rolled = await reports.statistics(session, case_filter, dimension=dimension, period=period)
                    assert rolled == await reports.recount(session, case_filter, dimension=dimension, period=period)
            months = ["2026-08", "2026-09"]
            problems = await reports.problem_counts(session, case_filter, months=months)
            assert problems and set(problems) == set(
                await reports.recount_problems(session, case_filter, months=months)
            )
        kept = await tally_rows(session, audit.district)
        await reports.rebuild_tallies(await session.connection())
        assert kept and kept == await tally_rows(session, audit.district)


@with_databases
async def test_redelivered_events_move_the_rollup_once(migrated: Runtime) -> None:
    at = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)
    events = [
        CaseRegistered(
            case_number="N-1",
            hall="H1",
            channel="walk_in",
            problem_kind="missing_materials",
            matter_code="lease_filing",
            description="租赁备案",
            applicant_kind="person",
            applicant_masked="张*",
        ),
        CaseAccepted(case_number="N-1"),
        WorkOrderDispatched(
            work_order_id="wo-1", case_number="N-1", department="housing", role="lead", tier="general", reason="rule"
        ),
    ]
    envelopes = [
        Envelope.wrap(
            event, source="test", case_id="case-1", district="d-redelivered", actor="staff:1", hall="H1", occurred_at=at
        )
        for event in events
    ]
    record = SimpleNamespace(topic=CASE_EVENTS, partition=0, headers=[])
    signer = Signer(private_key=generate_signing_key(), every=1000)
    for batch in (envelopes[:2], envelopes, envelopes[1:]):  # the second and third batches redeliver
        async with migrated.sessions() as session, session.begin():
            await append_and_apply(session, [(envelope, record) for envelope in batch], signer=signer)
    async with migrated.sessions() as session:
        tallies_by_department = await reports.statistics(
            session, CaseFilter(district=("d-redelivered",)), dimension=Dimension.DEPARTMENT
        )
    assert list(tallies_by_department) == [("housing", None)]
    [figures] = tallies_by_department.values()
    assert (figures.received, figures.accepted, figures.dispatched) == (1, 1, 1)


async def tally_rows(session, district: str) -> set[tuple]:
    """The district's rollup rows that count anything (a key every case has left keeps a row of zeros)."""
    rows = await session.exec(select(CaseTallyRow).where(CaseTallyRow.district == district))
    return {tuple(row.model_dump().values()) for row in rows if row.received}
