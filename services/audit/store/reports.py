"""Statistics, the assessment and the high-frequency counts, computed in SQL over the read model.

`domain.statistics` holds the definitions; here the same sums run in the database (one GROUP BY) so a
district's ten million events never travel to Python. Integration tests check both agree. What the
rollup (`tallies`) can answer is read from it; `recount` and `recount_problems` count the case rows,
and `rebuild_tallies` recounts the rollup itself.
"""

from dataclasses import replace

from sqlalchemy import and_, case, delete, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from services.audit.domain.case_facts import CLOSED_STATES
from services.audit.domain.filters import CaseFilter
from services.audit.domain.frequency import ProblemCount
from services.audit.domain.statistics import Dimension, Period, Tally
from services.audit.store import tallies
from services.audit.store.search import C, conditions
from services.audit.store.tables import CaseFactsRow, CaseReturnRow, CaseTallyRow

C_TABLE = CaseFactsRow.__table__  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model
R_TABLE = CaseReturnRow.__table__  # type: ignore[attr-defined]  # as above
R = R_TABLE.c


def _flag(condition) -> object:  # condition: a SQL boolean expression
    return func.sum(case((condition, 1), else_=0))


_closed = C.state.in_([state.value for state in CLOSED_STATES])
_CASE = C.consultation.is_(False)  # 办件: a consultation (咨询) counts in `received` and `consultations` only


def _of_cases(condition) -> object:  # condition: a SQL boolean expression
    return _flag(and_(_CASE, condition))


def _sum_of_cases(column) -> object:
    return func.sum(case((_CASE, column), else_=0))


_SUMS = {
    "received": func.count(),
    "accepted": _of_cases(C.accepted.is_(True)),
    "resolved_on_the_spot": _of_cases(C.resolved_on_the_spot.is_(True)),
    "out_of_scope": _of_cases(C.out_of_scope.is_(True)),
    "dispatched": _of_cases(C.dispatched.is_(True)),
    "replied": _of_cases(C.replied.is_(True)),
    "responded": _of_cases((C.accepted.is_(True)) | (C.resolved_on_the_spot.is_(True)) | (C.out_of_scope.is_(True))),
    "resolved": _of_cases(and_(_closed, C.out_of_scope.is_(False))),
    "closed": _of_cases(_closed),
    "on_time": _of_cases(C.on_time.is_(True)),
    "overdue": _of_cases(C.on_time.is_(False)),
    "yellow_cards": _sum_of_cases(C.yellow_cards),
    "red_cards": _sum_of_cases(C.red_cards),
    "returns": _sum_of_cases(C.returns),
    "extensions": _sum_of_cases(C.extensions),
    "rated": _of_cases(C.satisfaction.is_not(None)),
    "satisfied": _of_cases(C.satisfaction.in_(["satisfied", "basically_satisfied"])),
    "redos": _sum_of_cases(C.redos),
    "redo_overdue": _sum_of_cases(C.redo_overdue),
    "consultations": _flag(C.consultation.is_(True)),
}


async def statistics(
    session: AsyncSession,
    case_filter: CaseFilter,
    *,
    dimension: Dimension | None = None,
    period: Period | None = None,
) -> dict[tuple[str | None, str | None], Tally]:
    """Tallies keyed like `domain.statistics.tally_by`: (dimension value, period label), from the rollup
    when it can answer, else from the case rows. Raises EmptyQueryError."""
    grain = tallies.grain_for(case_filter, period)
    if grain is not None:
        counted = await tallies.statistics(session, case_filter, grain=grain, dimension=dimension, period=period)
    else:
        counted = await recount(session, case_filter, dimension=dimension, period=period)
    if dimension is Dimension.DEPARTMENT:
        return await _returns_charged(session, counted, case_filter, period=period)
    return counted


async def _returns_charged(session: AsyncSession, counted: dict[tuple[str | None, str | None], Tally],
                           case_filter: CaseFilter, *, period: Period | None) -> dict[tuple[str | None, str | None],
                                                                                      Tally]:
    """By department, a return (退单) is charged to the department that returned it, not to the case's lead (after
    the re-routing, another department): the returns of the filter's cases, grouped by who returned them (the
    filter's departments select those). A department that only returned cases gets a line of its returns."""
    label = C[f"period_{period.value}"] if period else None
    grouping = [R.department, *([label] if label is not None else [])]
    others = case_filter.model_copy(update={"department": ()})
    where = [*conditions(others, dialect=session.bind.dialect.name), C.consultation.is_(False)]
    if case_filter.department:
        where.append(R.department.in_(case_filter.department))
    statement = (select(*grouping, func.count()).select_from(R_TABLE).join(C_TABLE, C.case_id == R.case_id)
                 .where(and_(*where)).group_by(*grouping))
    charged = {(row[0], row[1] if label is not None else None): int(row[-1]) for row in await session.exec(statement)}
    result = {key: replace(tally, returns=charged.pop(key, 0)) for key, tally in counted.items()}
    result.update({key: Tally(returns=returns) for key, returns in charged.items()})
    return dict(sorted(result.items(), key=lambda item: tuple(str(k) for k in item[0])))


async def recount(
    session: AsyncSession,
    case_filter: CaseFilter,
    *,
    dimension: Dimension | None = None,
    period: Period | None = None,
) -> dict[tuple[str | None, str | None], Tally]:
    """`statistics` from the case rows themselves: any filter, one GROUP BY over every matching case."""
    keys = [C[dimension.value] if dimension else None, C[f"period_{period.value}"] if period else None]
    grouping = [key for key in keys if key is not None]
    statement = (
        select(*grouping, *(total.label(name) for name, total in _SUMS.items()))
        .where(and_(*conditions(case_filter, dialect=session.bind.dialect.name)))
        .group_by(*grouping)
        .order_by(*grouping)
    )
    result: dict[tuple[str | None, str | None], Tally] = {}
    for row in await session.exec(statement):
        values = iter(row)
        key = tuple(next(values) if column is not None else None for column in keys)
        result[key] = Tally(**{name: int(value or 0) for name, value in zip(_SUMS, values, strict=True)})  # type: ignore[index]  # one str-or-None per grouping column
    return result


async def problem_counts(session: AsyncSession, case_filter: CaseFilter, *, months: list[str]) -> list[ProblemCount]:
    """Cases per (matter, kind, hall, month) for the high-frequency analysis, from the rollup when it can
    answer, else from the case rows; cases without a matter are grouped under their kind alone (matter '-')."""
    grain = tallies.grain_for(case_filter, Period.MONTH)
    if grain is not None:
        return await tallies.problem_counts(session, case_filter, grain=grain, months=months)
    return await recount_problems(session, case_filter, months=months)


async def recount_problems(session: AsyncSession, case_filter: CaseFilter, *, months: list[str]) -> list[ProblemCount]:
    """`problem_counts` from the case rows themselves."""
    matter = func.coalesce(C.matter, "-")
    statement = (
        select(matter, C.kind, C.hall, C.period_month, func.count())
        .where(and_(*conditions(case_filter, dialect=session.bind.dialect.name), C.period_month.in_(months)))
        .group_by(matter, C.kind, C.hall, C.period_month)
    )
    return [
        ProblemCount(matter=m, kind=k, hall=h, month=month, count=n)
        for m, k, h, month, n in await session.exec(statement)
    ]


async def rebuild_tallies(connection: AsyncConnection) -> None:
    """Recount the statistics rollup from the case rows (after a bulk load, or to repair it)."""
    names = [func.coalesce(C[name], "") for name in tallies.NAMES]
    sums = [total.label(name) for name, total in _SUMS.items()]
    day = [C.period_week, C.period_month, C.period_quarter, C.period_year]
    month = [literal(""), C.period_month, C.period_quarter, C.period_year]
    registered = C.received_at.is_not(None)
    by_day = (select(literal("day"), C.period_day, *names, *day, *sums).where(registered)
              .group_by(C.period_day, *names, *day))
    by_month = (select(literal("month"), C.period_month, *names, *month, *sums).where(registered)
                .group_by(*names, *month))
    table = CaseTallyRow.__table__  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
    await connection.execute(delete(table))
    await connection.execute(
        insert(table).from_select(["grain", "period", *tallies.NAMES, *tallies.LABELS, *_SUMS],
                                  union_all(by_day, by_month))
    )
