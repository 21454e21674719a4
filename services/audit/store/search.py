"""Search over the case read model: the validated `CaseFilter` as SQL, and Chinese full text.

Full text: the application tokenises (`domain.fulltext`, CJK bigrams) and the engine only splits on
spaces. SQLite keeps an FTS5 index (`audit_case_fts`, external content, maintained by triggers);
PostgreSQL a GIN index over the stored column `search_vector = to_tsvector('simple', search_tokens)`. Both
are created by the migration.
"""

from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, or_, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from services.audit.domain.case_facts import CardColour
from services.audit.domain.filters import CaseFilter
from services.audit.domain.fulltext import fts5_match, tsquery
from services.audit.store.tables import CaseFactsRow

C = CaseFactsRow.__table__.c  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
_NAME_COLUMNS = ("hall", "district", "department", "channel", "kind", "matter")


def _text_condition(dialect: str, query: str) -> ColumnElement[bool]:
    """Raises EmptyQueryError for a query with nothing searchable."""
    if dialect == "postgresql":
        return text("audit_case.search_vector @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=tsquery(query))
    return text(
        "audit_case.rowid IN (SELECT rowid FROM audit_case_fts WHERE audit_case_fts MATCH :match)"
    ).bindparams(match=fts5_match(query))


def conditions(case_filter: CaseFilter, *, dialect: str) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions (ANDed); registered cases only. Raises EmptyQueryError."""
    where: list[ColumnElement[bool]] = [C.received_at.is_not(None)]
    for name in _NAME_COLUMNS:
        values = getattr(case_filter, name)
        if values:
            where.append(C[name].in_(values))
    if case_filter.state:
        where.append(C.state.in_([state.value for state in case_filter.state]))
    if case_filter.in_coordination is not None:
        where.append(C.in_coordination.is_(case_filter.in_coordination))
    if case_filter.card_colour:
        cards = {CardColour.YELLOW: C.yellow_cards > 0, CardColour.RED: C.red_cards > 0}
        where.append(or_(*(cards[colour] for colour in case_filter.card_colour)))
    if case_filter.received_from is not None:
        where.append(C.received_at >= case_filter.received_from)
    if case_filter.received_to is not None:
        where.append(C.received_at < case_filter.received_to)
    if case_filter.text:
        where.append(_text_condition(dialect, case_filter.text))
    return where


_PUBLIC = (
    "case_id", "case_number", "received_at", "hall", "district", "department", "channel", "kind", "matter",
    "state", "yellow_cards", "red_cards", "returns", "extensions", "satisfaction", "description", "exemplary",
)


NEWEST_FIRST = 2_000  # cases tried newest first for a text before the full-text index is asked


async def search_cases(
    session: AsyncSession, case_filter: CaseFilter, *, limit: int, offset: int = 0, library_only: bool = False
) -> list[dict[str, Any]]:
    """Matching cases, newest first. `library_only` keeps the case library's exemplary cases (案例库)."""
    dialect = session.bind.dialect.name
    where = conditions(case_filter, dialect=dialect)
    columns = [C[name] for name in _PUBLIC]
    if library_only:
        where.append(C.exemplary.is_(True))
        columns += [C.solution, C.replies]
    statement = (select(*columns).where(and_(*where)).order_by(C.received_at.desc(), C.case_id)
                 .limit(limit).offset(offset))
    if dialect == "postgresql" and _newest_first_pays(case_filter, library_only, pages_to=offset + limit):
        newest = _newest_first(case_filter, columns, limit=limit, offset=offset)
        found = [dict(row._mapping) for row in await session.exec(newest)]
        if len(found) == limit:
            return found
        # Few of the newest cases match: walking the rest in order could read them all (the planner,
        # guessing the text's share from the whole city, may try). Every match, then the newest.
        matches = select(*columns).where(and_(*where)).cte("matches").prefix_with("MATERIALIZED")
        statement = (select(*matches.c).order_by(matches.c.received_at.desc(), matches.c.case_id)
                     .limit(limit).offset(offset))
    return [dict(row._mapping) for row in await session.exec(statement)]


def _newest_first_pays(case_filter: CaseFilter, library_only: bool, *, pages_to: int) -> bool:
    """A text searched city-wide or in one district, in its first pages: the newest cases can be walked
    in order by an index (received_at; district, received_at DESC, case_id), so trying them first costs
    a few milliseconds. Other filters could leave the walk too few cases, or none in order."""
    others = any(getattr(case_filter, name) for name in _NAME_COLUMNS if name != "district")
    return bool(
        case_filter.text and not library_only and not others and not case_filter.state and not case_filter.card_colour
        and len(case_filter.district) <= 1 and pages_to <= NEWEST_FIRST // 10
    )


def _newest_first(case_filter: CaseFilter, columns: list[Any], *, limit: int, offset: int) -> Any:
    """The page from the NEWEST_FIRST newest cases the filter keeps without its text, checked for the text.

    The full-text index answers a rare text at once, but a text held by tens of thousands of cases sends
    each of them to the heap for the phrase recheck and the sort. Walking the newest cases in order and
    stopping early answers that one. When the page is full, it is exact: every match outside these cases
    is older than all of them. Otherwise the caller asks the index.
    """
    newest = (
        # Not in the model: see migrations.
        select(*columns, literal_column("audit_case.search_vector").label("search_vector"))
        .where(and_(*conditions(case_filter.model_copy(update={"text": None}), dialect="postgresql")))
        .order_by(C.received_at.desc(), C.case_id)
        .limit(NEWEST_FIRST)
        .cte("newest")
        .prefix_with("MATERIALIZED")  # checked once, in this order: not folded back into one plan
    )
    matches = text("newest.search_vector @@ to_tsquery('simple', :tsquery)").bindparams(
        tsquery=tsquery(case_filter.text))
    return (
        select(*(newest.c[column.name] for column in columns))
        .where(matches)
        .order_by(newest.c.received_at.desc(), newest.c.case_id)
        .limit(limit)
        .offset(offset)
    )
