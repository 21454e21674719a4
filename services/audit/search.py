"""Search over the case read model: the validated `CaseFilter` as SQL, and Chinese full text.

Full text: the application tokenises (`domain.fulltext`, CJK bigrams) and the engine only splits on
spaces. SQLite keeps an FTS5 index (`audit_case_fts`, external content, maintained by triggers);
PostgreSQL a GIN index over the stored column `search_vector = to_tsvector('simple', search_tokens)`. Both are created by the migration.
"""

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from services.audit.domain.case_facts import CardColour
from services.audit.domain.filters import CaseFilter
from services.audit.domain.fulltext import fts5_match, tsquery
from services.audit.store import CaseFactsRow

C = CaseFactsRow.__table__.c  # type: ignore[attr-defined]
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
    statement = select(*columns).where(and_(*where)).order_by(C.received_at.desc(), C.case_id).limit(limit).offset(offset)
    return [dict(row._mapping) for row in await session.exec(statement)]
