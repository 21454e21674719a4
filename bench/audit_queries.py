"""Statistics, search and timeline latency over 10 million logged events on PostgreSQL.

Generates, in SQL (generate_series), `events` log entries and the read model they would produce (one case
per 7 events: 1.43 million cases for 10 million events) in a throwaway database, then times the audit's
own query functions (the ones behind /statistics, /cases, /library, /analysis and the timeline) with
varying parameters. The generated chain is not a valid hash chain (hashes are md5 filler): this measures
queries, not verification (see bench/audit_store.py). The database is dropped afterwards.

Prints p50/p95 per query twice, asserts nothing: just after the bulk load, then after VACUUM (ANALYZE)
(the state autovacuum brings a table to; a fresh bulk load leaves every page's hint bits to be set, and
written, by its first reader). Target (issue 7): p95 <= 300 ms.
Usage: python bench/audit_queries.py [events] [runs]
"""

from __future__ import annotations

import asyncio
import random
import statistics as stats
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # this checkout, not the one the shared venv's editable install names
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from shared import db, migrations
from services.audit.domain.filters import CaseFilter
from services.audit.domain.fulltext import index_tokens
from services.audit.domain.statistics import Dimension, Period
from services.audit.store import audit_log, reports, search

MIGRATIONS = Path(__file__).resolve().parent.parent / "services" / "audit" / "migrations"
EVENTS_PER_CASE = 7
DESCRIPTIONS = [
    "租赁备案缺银行同意函，孩子入学急需租赁凭证", "社保转移缺少参保证明，窗口无法调取", "住改商经营场所登记多部门推诿",
    "公积金提取要求重复提交婚姻证明", "不动产登记要求提供已注销企业的证明", "个体户注销需先清税，税务说要先注销执照",
    "新生儿落户材料不齐，医院出生证明信息有误", "残疾人补贴申请跨区无法办理", "营业执照经营范围变更网上系统报错",
    "医保异地备案线上提交后长期无人审核", "老旧小区加装电梯业主意见不一", "餐饮店油烟扰民，执法部门互相推诿",
    "退役军人优待证办理进度查询不到", "企业开办刻章环节要求现场办理", "建筑垃圾清运许可办理时限过长",
    "居住证签注要求房东到场", "农民工工资拖欠投诉转了三个部门", "出租屋消防检查标准不一",
    "职称评审材料退回理由不清楚", "道路占用挖掘许可审批部门不明确",
]
STATES = (  # as intake names them (shared.events.case.CaseState)
    ["callback_recorded"] * 3 + ["resolved_on_spot"] * 2
    + ["archived"] * 6
    + ["referred_out_of_scope"] * 4
    + ["dispatched", "replied", "accepted", "reopened", "registered"]
)


async def generate(url: str, events: int) -> int:
    """Fill the log and the read model; indexes are dropped during the load and rebuilt after."""
    cases = events // EVENTS_PER_CASE
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        indexes = [
            row for row in await connection.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('audit_entry', 'audit_case') "
                "AND indexname NOT LIKE '%pkey'"))
        ]
        for name, _ in indexes:
            await connection.execute(text(f'ALTER TABLE IF EXISTS audit_entry DROP CONSTRAINT IF EXISTS "{name}"'))
            await connection.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
        began = time.perf_counter()
        await connection.execute(text("""
            INSERT INTO audit_entry (topic, partition, sequence, event_id, event_type, occurred_at, case_id,
                                     payload, headers, prev_hash, entry_hash)
            SELECT 'bancheng.case.events', g % 8, g / 8 + 1, md5(g::text),
                   (ARRAY['case.registered','case.accepted','case.forwarded','workorder.dispatched',
                          'sla.deadline_armed','workorder.replied','case.replied'])[g % 7 + 1],
                   timestamptz '2025-01-01' + (g / 7) * interval '40 seconds' + (g % 7) * interval '1 hour',
                   'case-' || (g / 7),
                   json_build_object('case_number', 'N-' || (g / 7), 'description', '租赁备案材料不齐'),
                   '{"ce_source": "intake", "ce_actor": "staff:12", "ce_specversion": "1.0"}'::json,
                   md5((g - 1)::text) || md5(g::text), md5(g::text) || md5((g + 1)::text)
            FROM generate_series(0, :last) AS g"""), {"last": events - 1})
        print(f"generated {events:,} log entries in {time.perf_counter() - began:.0f} s")
        began = time.perf_counter()
        await connection.execute(
            text("""
            INSERT INTO audit_case (case_id, case_number, received_at, hall, district, department, channel, kind,
                matter, state, accepted, resolved_on_the_spot, out_of_scope, dispatched, replied, on_time, yellow_cards,
                red_cards, returns, extensions, satisfaction, exemplary, description, replies, solution, search_tokens,
                period_day, period_week, period_month, period_quarter, period_year)
            SELECT 'case-' || g, 'N-' || g, t, 'H' || (g % 200), 'd' || (g % 10),
                   CASE WHEN s IN ('referred_out_of_scope', 'registered', 'accepted') THEN NULL
                        ELSE 'dept' || (g % 30) END,
                   (ARRAY['walk_in','phone','web','hotline_12345','terminal'])[g % 5 + 1],
                   'kind' || (g % 8), 'm' || (g % 50), s,
                   s <> 'registered', g % 9 = 0, s = 'referred_out_of_scope',
                   s NOT IN ('referred_out_of_scope', 'registered', 'accepted'),
                   s IN ('replied', 'callback_recorded', 'resolved_on_spot', 'archived'),
                   CASE WHEN s IN ('callback_recorded', 'resolved_on_spot', 'archived') THEN g % 13 <> 0 END,
                   (g % 13 = 0)::int, (g % 97 = 0)::int, (g % 31 = 0)::int, (g % 41 = 0)::int,
                   CASE WHEN s IN ('callback_recorded', 'resolved_on_spot', 'archived') THEN
                        (ARRAY['satisfied','satisfied','basically_satisfied','dissatisfied'])[g % 4 + 1] END,
                   s = 'archived' AND g % 500 = 0,
                   (CAST(:descriptions AS text[]))[g % 20 + 1], '',
                   CASE WHEN g % 500 = 0 THEN '容缺受理，承诺后补' ELSE '' END,
                   (CAST(:tokens AS text[]))[g % 20 + 1],
                   to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                   to_char(t AT TIME ZONE 'Asia/Shanghai', 'IYYY-"W"IW'),
                   to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'),
                   to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYY-"Q"Q'),
                   to_char(t AT TIME ZONE 'Asia/Shanghai', 'YYYY')
            FROM (SELECT g, timestamptz '2025-01-01' + g * interval '40 seconds' AS t,
                         (CAST(:states AS text[]))[g % 20 + 1] AS s
                  FROM generate_series(0, :last) AS g) AS generated"""),
            {
                "last": cases - 1,
                "descriptions": DESCRIPTIONS,
                "tokens": [index_tokens(d) for d in DESCRIPTIONS],
                "states": STATES,
            },
        )
        print(f"generated {cases:,} cases in {time.perf_counter() - began:.0f} s")
        began = time.perf_counter()
        for _, definition in indexes:
            await connection.execute(text(definition))
        await connection.execute(text("ANALYZE audit_entry"))
        await connection.execute(text("ANALYZE audit_case"))
        print(f"rebuilt {len(indexes)} indexes and analysed in {time.perf_counter() - began:.0f} s")
        began = time.perf_counter()
        await reports.rebuild_tallies(connection)  # what the consumer keeps incrementally, counted once here
        await connection.execute(text("ANALYZE audit_case_tally"))
        rollup = await connection.scalar(text("SELECT count(*) FROM audit_case_tally"))
        print(f"counted the statistics rollup ({rollup:,} rows) in {time.perf_counter() - began:.0f} s")
    await engine.dispose()
    return cases


async def vacuum(url: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")  # VACUUM runs outside a transaction
    async with engine.connect() as connection:
        for table in ("audit_case", "audit_case_tally", "audit_entry"):
            await connection.execute(text(f"VACUUM (ANALYZE) {table}"))
    await engine.dispose()


async def timed(label: str, runs: int, query: Callable[[int], Awaitable[object]]) -> None:
    await query(0)  # warm the connection and plan caches once
    samples = []
    for run in range(runs):
        began = time.perf_counter()
        await query(run)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(f"{label:62} p50 {stats.median(samples):8.1f} ms   p95 {p95:8.1f} ms")


async def measure(url: str, cases: int, runs: int) -> None:
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    month = lambda run: datetime(2025, 1 + run % 12, 1, tzinfo=UTC) - timedelta(hours=8)  # noqa: E731 - Shanghai month start

    async def run_in_session(work: Callable) -> object:
        async with sessions() as session:
            return await work(session)

    queries: list[tuple[str, Callable[[int], Awaitable[object]]]] = [
        (
            "statistics: one district by department and month",
            lambda r: run_in_session(
                lambda s: reports.statistics(
                    s, CaseFilter(district=(f"d{r % 10}",)), dimension=Dimension.DEPARTMENT, period=Period.MONTH
                )
            ),
        ),
        (
            "statistics: the city by district, one month",
            lambda r: run_in_session(
                lambda s: reports.statistics(
                    s,
                    CaseFilter(received_from=month(r), received_to=month(r) + timedelta(days=28)),
                    dimension=Dimension.DISTRICT,
                )
            ),
        ),
        (
            "statistics: one hall by kind, all time",
            lambda r: run_in_session(
                lambda s: reports.statistics(s, CaseFilter(hall=(f"H{r % 200}",)), dimension=Dimension.KIND)
            ),
        ),
        (
            "statistics: the whole city by hall, all time (full scan)",
            lambda r: run_in_session(lambda s: reports.statistics(s, CaseFilter(), dimension=Dimension.HALL)),
        ),
        (
            "search: text '租赁凭证' in one district, 50 newest",
            lambda r: run_in_session(
                lambda s: search.search_cases(s, CaseFilter(district=(f"d{r % 10}",), text="租赁凭证"), limit=50)
            ),
        ),
        (
            "search: text '推诿' city-wide, red cards, 50 newest",
            lambda r: run_in_session(
                lambda s: search.search_cases(s, CaseFilter(text="推诿", card_colour=("red",)), limit=50)
            ),
        ),
        (
            "search: district + department + state, 50 newest",
            lambda r: run_in_session(
                lambda s: search.search_cases(
                    s,
                    CaseFilter(district=(f"d{r % 10}",), department=(f"dept{r % 30}",), state=("archived",)),
                    limit=50,
                )
            ),
        ),
        (
            "case library: text '容缺', 50 newest",
            lambda r: run_in_session(
                lambda s: search.search_cases(s, CaseFilter(text="容缺"), limit=50, library_only=True)
            ),
        ),
        (
            "high-frequency counts: one district, 4 months",
            lambda r: run_in_session(
                lambda s: reports.problem_counts(
                    s, CaseFilter(district=(f"d{r % 10}",)), months=["2025-03", "2025-04", "2025-05", "2025-06"]
                )
            ),
        ),
        (
            "timeline: one case among all log entries",
            lambda r: run_in_session(lambda s: audit_log.timeline(s, case_id=f"case-{random.randrange(cases)}")),
        ),
    ]
    for label, query in queries:
        await timed(label, runs, query)
    await engine.dispose()


async def main(events: int, runs: int) -> None:
    name = f"bancheng_bench_audit_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        await db.ensure_postgres_database(url)
        await asyncio.to_thread(migrations.upgrade, url, MIGRATIONS)
        cases = await generate(url, events)
        print("just after the bulk load (hint bits unset, no visibility map: every first read of a page writes it)")
        await measure(url, cases, runs)
        began = time.perf_counter()
        await vacuum(url)
        print(f"after VACUUM (ANALYZE), the steady state autovacuum reaches ({time.perf_counter() - began:.0f} s)")
        await measure(url, cases, runs)
    finally:
        await db.drop_postgres_database(url)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    asyncio.run(main(int(arguments[0]) if arguments else 10_000_000, int(arguments[1]) if len(arguments) > 1 else 20))
