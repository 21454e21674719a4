"""A text search in one district (or city-wide) first tries the district's newest cases in order on
PostgreSQL; whichever way it is answered, the page is the one the plain query gives."""

from datetime import UTC, datetime, timedelta

import pytest

from shared.runtime import Runtime
from services.audit.domain.filters import CaseFilter
from services.audit.domain.fulltext import index_tokens
from services.audit.store import search
from services.audit.store.tables import CaseFactsRow
from tests.integration.audit.conftest import with_databases

AT = datetime(2026, 9, 8, 2, 0, tzinfo=UTC)
DISTRICT = "d-newest"


def description(i: int) -> str:
    if i < 3:
        return "老旧小区加装电梯业主意见不一"  # only the oldest cases hold this text
    return "孩子入学急需租赁凭证" if i % 4 == 0 else "社保转移缺少参保证明"


async def seed(runtime: Runtime) -> list[CaseFactsRow]:
    """120 cases in one district, one every minute; the two newest share their minute (the case id
    breaks the tie); 20 more cases holding the same texts elsewhere."""
    cases = [
        CaseFactsRow(case_id=f"case-{i:03d}", district=DISTRICT, received_at=AT + timedelta(minutes=min(i, 118)),
                     state="registered", description=description(i), search_tokens=index_tokens(description(i)))
        for i in range(120)
    ] + [
        CaseFactsRow(case_id=f"other-{i:03d}", district="d-other", received_at=AT + timedelta(minutes=i, seconds=30),
                     state="registered", description=description(i), search_tokens=index_tokens(description(i)))
        for i in range(20)
    ]
    async with runtime.sessions() as session, session.begin():
        session.add_all(cases)
    return cases


def newest_holding(cases: list[CaseFactsRow], text: str, district: str | None) -> list[str]:
    held = [case for case in cases if text in case.description and district in (None, case.district)]
    return [case.case_id for case in sorted(held, key=lambda case: (-case.received_at.timestamp(), case.case_id))]


@pytest.fixture
def newest_first_of_forty(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk tries the 40 newest cases (10 of them hold 租赁凭证) and serves pages up to the 4th case."""
    monkeypatch.setattr(search, "NEWEST_FIRST", 40)


@with_databases
@pytest.mark.parametrize(("text", "district", "limit", "offset"), [
    ("租赁凭证", DISTRICT, 4, 0),  # the newest cases fill the page
    ("租赁凭证", DISTRICT, 2, 2),  # ... a later page too
    ("租赁凭证", None, 4, 0),  # city-wide
    ("老旧小区", DISTRICT, 4, 0),  # none of the newest hold it: every match, then the newest
    ("租赁凭证", DISTRICT, 30, 0),  # a page beyond the walk: the plain query
])
async def test_text_search_pages_newest_first_whichever_way_it_is_answered(
    migrated: Runtime, newest_first_of_forty: None, text: str, district: str | None, limit: int, offset: int
) -> None:
    cases = await seed(migrated)
    case_filter = CaseFilter(text=text, district=(district,) if district else ())
    async with migrated.sessions() as session:
        found = await search.search_cases(session, case_filter, limit=limit, offset=offset)
    expected = newest_holding(cases, text, district)[offset : offset + limit]
    assert expected and [case["case_id"] for case in found] == expected
