"""Firing a deadline's due stages: warnings, yellow and red cards, supervision items (督办) and urging.

A card opens the deadline's supervision item (one per deadline; yellow turns red in place) and
sends an urging notice (催办) to the responsible department, each an event on the SLA stream.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert

from shared.clock import local_minute, stored_utc
from shared.consuming import Unit
from shared.db import new_row, plain_row
from shared.events.sla import CardIssued, DeadlineWarned, UrgingNoticeSent
from shared.rows import row_values
from services.sla import store
from services.sla.domain.schedule import Firing, Schedule, Stage
from services.sla.domain.supervision import CardColour, CardReason
from services.sla.domain.sweep import due_firings, next_firing_at
from services.sla.store.tracking import emit

# The reason as the contract names it (shared/events/sla.py); the supervision table keeps the domain's.
EVENT_REASON = {
    CardReason.DEADLINE_PASSED: "overdue",
    CardReason.OVERDUE_MARGIN: "overdue_past_margin",
    CardReason.REPEATED_RETURNS: "repeated_returns",
}
URGING_CHANNEL = "notify"  # notify delivers it on the department's configured channels
# The case's own reply deadline is owned by the hall's reflection window, not a department.
WINDOW = "reflection_window"


@dataclass
class NewRows:
    """The supervision items a sweep opens and the urging notices it sends, written as plain rows in one
    statement per table just before the sweep commits: as table instances through the session they cost
    two object constructions and ORM inserts per fired card, the costly part of firing one
    (docs/performance.md). Nothing in the sweep's transaction
    queries them, so they need not be in the session."""

    items: list[Any] = field(default_factory=list)  # plain rows with attributes: a later red card changes one
    notices: list[dict[str, Any]] = field(default_factory=list)

    async def write(self, unit: Unit) -> None:
        connection = await unit.session.connection()
        if self.items:
            columns = [column.name for column in store.SupervisionItem.__table__.columns]
            rows = [{name: getattr(item, name) for name in columns} for item in self.items]
            await connection.execute(insert(store.SupervisionItem.__table__), rows)
        if self.notices:  # without ids: the database numbers them
            await connection.execute(insert(store.UrgingNotice.__table__), self.notices)
        self.items, self.notices = [], []


async def fire_due(
    unit: Unit, row: store.Deadline, schedule: Schedule, *, now: datetime, item: store.SupervisionItem | None,
    new_rows: NewRows | None = None,
) -> list[Firing]:
    """Send what is due at `now` once each (see domain.sweep), mark it done, set the next firing.

    `schedule` is the row's, just refreshed; `item` its supervision item if it has one (the sweeper
    loads them for a whole batch in one query). With `new_rows`, new items and notices are collected
    there for the caller to write (the sweeper), else added to the session.
    """
    decision = due_firings(schedule=schedule, now=now, fired=row.fired)
    sent = []
    for firing in decision.fire:
        if firing.stage is Stage.WARNING:
            if schedule.due_at is None:
                continue  # paused: nobody needs reminding of a deadline that is not running
            await emit(
                unit,
                row,
                DeadlineWarned(
                    subject=row.subject,
                    subject_id=row.subject_id,
                    department=row.department,
                    warning=firing.key.removeprefix("warning:"),
                    due_at=schedule.due_at,
                ),
            )
        else:
            colour = CardColour.YELLOW if firing.stage is Stage.YELLOW else CardColour.RED
            reason = CardReason.DEADLINE_PASSED if colour is CardColour.YELLOW else CardReason.OVERDUE_MARGIN
            item = await issue_card(
                unit, row, item, colour=colour, reason=reason, at=now, department=row.department, new_rows=new_rows
            ) or item
        sent.append(firing)
    row.fired = [*row.fired, *decision.done_keys]
    row.next_firing_at = next_firing_at(schedule=schedule, fired=row.fired)
    return sent


async def issue_card(
    unit: Unit,
    row: store.Deadline,
    item: store.SupervisionItem | None,
    *,
    colour: CardColour,
    reason: CardReason,
    at: datetime,
    department: str | None,
    new_rows: NewRows | None = None,
) -> store.SupervisionItem | None:
    """Open (or turn red) the deadline's supervision `item`, announce the card and urge; once per colour."""
    if item is not None and (item.colour == CardColour.RED or colour is CardColour.YELLOW):
        return None  # this card was already given
    if item is None:
        item = (plain_row if new_rows is not None else new_row)(
            store.SupervisionItem,
            deadline_id=row.id,
            case_id=row.case_id,
            work_order_id=row.subject_id if row.subject == "work_order" else None,
            colour=colour.value,
            reason=reason.value,
            department=department or WINDOW,
            hall=row.hall or "",
            district=row.district,
            opened_at=at,
            red_at=at if colour is CardColour.RED else None,
        )
        if new_rows is not None:
            new_rows.items.append(item)
        else:
            unit.session.add(item)
    else:
        item.colour, item.reason, item.red_at = colour.value, reason.value, at
    if colour is CardColour.RED:
        row.fired = sorted({*row.fired, "red"})  # one red card per deadline, whatever earned it
    await emit(
        unit,
        row,
        CardIssued(
            subject=row.subject,
            subject_id=row.subject_id,
            department=row.department,
            colour=colour.value,
            reason=EVENT_REASON[reason],
            due_at=row.due_at,
            supervision_id=item.id,
        ),
    )
    await urge(unit, row, item, at=at, text=_urging_text(row, colour, reason), new_rows=new_rows)
    return item


async def urge(
    unit: Unit,
    row: store.Deadline,
    item: store.SupervisionItem,
    *,
    at: datetime,
    text: str,
    channel: str = URGING_CHANNEL,
    recipient: str | None = None,
    new_rows: NewRows | None = None,
) -> store.UrgingNotice | None:
    """Send and record an urging notice; the notice, or None when it went to `new_rows` (no id yet)."""
    values = dict(supervision_id=item.id, sent_at=at, channel=channel, recipient=recipient or item.department,
                  text=text)
    notice = None
    if new_rows is not None:
        notice_values = row_values(store.UrgingNotice, **values)  # a missing or misspelt column fails here
        del notice_values["id"]  # the database numbers them (an explicit NULL would be refused on PostgreSQL)
        new_rows.notices.append(notice_values)
    else:
        notice = new_row(store.UrgingNotice, **values)
        unit.session.add(notice)
    await emit(
        unit,
        row,
        UrgingNoticeSent(
            supervision_id=item.id,
            subject=row.subject,
            subject_id=row.subject_id,
            department=row.department,
            note=text,
        ),
    )
    return notice


def _urging_text(row: store.Deadline, colour: CardColour, reason: CardReason) -> str:
    card = "黄牌" if colour is CardColour.YELLOW else "红牌"
    what = "工单" if row.subject == "work_order" else "案件答复"
    due = local_minute(stored_utc(row.due_at)) if row.due_at else "—"
    why = {
        CardReason.DEADLINE_PASSED: "已超过办理时限",
        CardReason.OVERDUE_MARGIN: "超期已达红牌界限",
        CardReason.REPEATED_RETURNS: "多次退单",
    }[reason]
    return f"【督办·{card}】{what} {row.subject_id} {why}（时限 {due}），请尽快办结并反馈。"
