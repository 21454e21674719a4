"""The statistics rollup (`audit_case_tally`): counts per period and names, moved in the same
transaction as the case rows they sum, so `/statistics` reads thousands of rows instead of millions.

Each time an event moves a case, the case's old contribution (`domain.statistics.contributions`) is
taken from its old period-and-names key and its new one added to its new key; a batch's deltas are
summed in `session.info` and written once, as upserts. Appends are deduplicated by event id, so a
redelivered event moves nothing twice. The high-frequency counts read it too. Filters the rollup
cannot answer (state, cards, text, a bound that is not a day or month boundary) go to the case rows
(`reports`); `reports.rebuild_tallies` recounts the rollup from them.
"""

from collections import defaultdict
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import ColumnElement, Insert, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import local_time
from services.audit.domain.case_facts import CaseFacts, CaseState, Satisfaction
from services.audit.domain.filters import CaseFilter
from services.audit.domain.frequency import ProblemCount
from services.audit.domain.statistics import COUNTED, Dimension, Period, Tally, contributions
from services.audit.store.tables import CaseTallyRow

T = CaseTallyRow.__table__.c  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
NAMES = ("hall", "district", "department", "channel", "kind", "matter")
LABELS = ("week", "month", "quarter", "year")
_DELTAS = "audit_tally_deltas"
Key = tuple[str, ...]  # grain, period, the six names, the four labels
CaseValues = SimpleNamespace  # a case row's columns as attributes (`read_model.CaseValues`)


def _keys(row: CaseValues) -> list[Key]:
    names = tuple(getattr(row, name) or "" for name in NAMES)
    day = (row.period_week, row.period_month, row.period_quarter, row.period_year)
    month = ("", row.period_month, row.period_quarter, row.period_year)
    return [("day", row.period_day, *names, *day), ("month", row.period_month, *names, *month)]


def _facts(row: CaseValues) -> CaseFacts:
    return CaseFacts(
        case_id=row.case_id, received_at=row.received_at, hall=row.hall, district=row.district,
        department=row.department, channel=row.channel, kind=row.kind, matter=row.matter,
        state=CaseState(row.state), accepted=row.accepted, resolved_on_the_spot=row.resolved_on_the_spot,
        out_of_scope=row.out_of_scope, dispatched=row.dispatched, replied=row.replied, on_time=row.on_time,
        yellow_cards=row.yellow_cards, red_cards=row.red_cards, returns=row.returns, extensions=row.extensions,
        redos=row.redos, redo_overdue=row.redo_overdue, consultation=row.consultation,
        satisfaction=Satisfaction(row.satisfaction) if row.satisfaction else None,
    )


def contribution(row: CaseValues) -> tuple[list[Key], tuple[int, ...]] | None:
    """The rollup keys a case counts under and what it adds; None before its registration arrives."""
    if row.received_at is None:
        return None
    return _keys(row), contributions(_facts(row))


def record_change(
    session: AsyncSession, before: tuple[list[Key], tuple[int, ...]] | None,
    after: tuple[list[Key], tuple[int, ...]] | None
) -> None:
    """Move one case's contribution from `before` to `after` in the batch's pending deltas."""
    deltas: defaultdict[Key, list[int]] = session.info.setdefault(_DELTAS, defaultdict(lambda: [0] * len(COUNTED)))
    for change, sign in ((before, -1), (after, 1)):
        if change is None:
            continue
        keys, counts = change
        for key in keys:
            totals = deltas[key]
            for i, count in enumerate(counts):
                totals[i] += sign * count


async def save(session: AsyncSession) -> None:
    """Write the batch's pending deltas: one upsert per key that moved, in key order, so two consumers
    (other partitions, same halls) lock shared rows in the same order and wait rather than deadlock."""
    deltas: dict[Key, list[int]] = session.info.pop(_DELTAS, {})
    rows = [
        dict(zip(("grain", "period", *NAMES, *LABELS), key, strict=True)) | dict(zip(COUNTED, counts, strict=True))
        for key, counts in sorted(deltas.items())
        if any(counts)
    ]
    if not rows:
        return
    connection = await session.connection()
    await connection.execute(_upsert(connection.dialect.name), rows)


@cache
def _upsert(dialect_name: str) -> Insert:
    """Built once per dialect: building its 17 `count + excluded.count` expressions cost more per batch
    than executing it."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(CaseTallyRow.__table__)  # type: ignore[attr-defined]  # SQLAlchemy adds __table__ to a table model; SQLModel does not declare it
    return statement.on_conflict_do_update(
        index_elements=["grain", "period", *NAMES],
        set_={name: T[name] + statement.excluded[name] for name in COUNTED},
    )


def _bound(moment: datetime, grain: str) -> str | None:
    """The period label `moment` starts, when it is the first instant of a Shanghai day (or month)."""
    local = local_time(moment)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return None
    if grain == "day":
        return local.date().isoformat()
    return f"{local.year}-{local.month:02d}" if local.day == 1 else None


def grain_for(case_filter: CaseFilter, period: Period | None) -> str | None:
    """The coarsest grain that answers this query exactly, or None when only the case rows can."""
    if case_filter.state or case_filter.card_colour or case_filter.text or case_filter.in_coordination is not None:
        return None
    bounds = [moment for moment in (case_filter.received_from, case_filter.received_to) if moment is not None]
    for grain in ("month", "day"):
        if grain == "month" and period in (Period.DAY, Period.WEEK):
            continue
        if all(_bound(moment, grain) for moment in bounds):
            return grain
    return None


def _conditions(case_filter: CaseFilter, grain: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [T.grain == grain]
    for name in NAMES:
        values = getattr(case_filter, name)
        if values:
            where.append(T[name].in_(values))
    if case_filter.received_from is not None:
        where.append(T.period >= _bound(case_filter.received_from, grain))
    if case_filter.received_to is not None:
        where.append(T.period < _bound(case_filter.received_to, grain))
    return where


async def statistics(
    session: AsyncSession, case_filter: CaseFilter, *, grain: str, dimension: Dimension | None, period: Period | None
) -> dict[tuple[str | None, str | None], Tally]:
    """Like `reports.statistics`, from the rollup at `grain` (from `grain_for`)."""
    period_column = None if period is None else T.period if period is Period.DAY else T[period.value]
    keys = [T[dimension.value] if dimension else None, period_column]
    grouping = [key for key in keys if key is not None]
    statement = (
        select(*grouping, *(func.sum(T[name]) for name in COUNTED))
        .where(and_(*_conditions(case_filter, grain)))
        .group_by(*grouping)
        .having(func.sum(T.received) > 0)  # a key every case has moved away from
        .order_by(*grouping)
    )
    result: dict[tuple[str | None, str | None], Tally] = {}
    for row in await session.exec(statement):
        values = iter(row)
        key = tuple((next(values) or None) if column is not None else None for column in keys)  # '' is "no value"
        result[key] = Tally(**{name: int(value or 0) for name, value in zip(COUNTED, values, strict=True)})  # type: ignore[index]  # one str-or-None per grouping column
    return result


async def problem_counts(session: AsyncSession, case_filter: CaseFilter, *, grain: str,
                         months: list[str]) -> list[ProblemCount]:
    """Like `reports.problem_counts`, from the rollup at `grain` (from `grain_for` with a monthly period)."""
    statement = (
        select(T.matter, T.kind, T.hall, T.month, func.sum(T.received))
        .where(and_(*_conditions(case_filter, grain), T.month.in_(months)))
        .group_by(T.matter, T.kind, T.hall, T.month)
        .having(func.sum(T.received) > 0)
    )
    return [
        ProblemCount(matter=matter or "-", kind=kind or None, hall=hall or None, month=month, count=int(count))
        for matter, kind, hall, month, count in await session.exec(statement)
    ]
