"""Audit's tables: the hash-chained log, its chain heads and signed checkpoints, and the case read model.

Queries live beside them by concern: `audit_log` (append, read, timeline), `read_model` (case facts from
events), `search` (filters and full text), `reports` (statistics, assessment, frequency).
"""

from datetime import datetime
from typing import get_type_hints

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared import inbox, outbox  # noqa: F401 - their tables live in every service's database
from services.audit.domain.entries import ENTRY_FIELDS, AuditEntry

_ENTRY_TYPES = get_type_hints(AuditEntry)


class LogEntry(SQLModel, table=True):
    """One event as it travelled, linked to the entry before it in its (topic, partition) chain.

    Its columns after `id` are the fields of `domain.entries.AuditEntry`, in their order and of their types
    (topic, partition, sequence, event_id, event_type, occurred_at, case_id, payload, headers, prev_hash,
    entry_hash): defined there once, so rows go straight to `verify_log` and to exports. Below, only what a
    column adds (keys, indexes, JSON storage). Everything the timeline shows (source, actor) is read from the
    hashed headers, never a side column.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("topic", "partition", "sequence", name="uq_audit_entry_chain_position"),)
    __annotations__ = {"id": int | None, **{name: _ENTRY_TYPES[name] for name in ENTRY_FIELDS}}

    id = Field(default=None, primary_key=True)
    event_id = Field(unique=True)
    case_id = Field(default=None, index=True)
    payload = Field(sa_column=Column(JSON, nullable=False))
    headers = Field(sa_column=Column(JSON, nullable=False))


class ChainHeadRow(SQLModel, table=True):
    """The last entry of each chain: the row a writer locks, so one writer appends to a chain at a time."""

    __tablename__ = "audit_chain_head"

    topic: str = Field(primary_key=True)
    partition: int = Field(primary_key=True)
    sequence: int
    entry_hash: str


class CheckpointRow(SQLModel, table=True):
    """A signed (sequence, head hash) of one chain; see `domain.checkpoints`."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (Index("ix_audit_checkpoint_chain", "topic", "partition", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    topic: str
    partition: int
    sequence: int
    head_hash: str
    signed_at: datetime
    key_id: str
    signature: str


class CaseFactsRow(SQLModel, table=True):
    """One case as statistics and search see it (`domain.case_facts.CaseFacts`), kept from the events.

    Registration fields stay empty until `case.registered` arrives: the audit reads several topics, so a
    work-order event can be applied before its case's registration. Reports count registered cases only.
    Period labels are computed once, in Python, on the Shanghai calendar, so SQLite and PostgreSQL group
    alike.
    """

    __tablename__ = "audit_case"

    case_id: str = Field(primary_key=True)
    case_number: str | None = None
    received_at: datetime | None = Field(default=None, index=True)
    hall: str | None = Field(default=None, index=True)
    district: str | None = None  # indexed first in (district, received_at DESC, case_id): see the migrations
    department: str | None = Field(default=None, index=True)
    channel: str | None = None
    kind: str | None = None
    matter: str | None = Field(default=None, index=True)
    state: str | None = None  # as intake names it (shared.events.case.CaseState)
    resume_to: str | None = None  # the state a paused case returns to
    in_coordination: bool = False  # 协调中: escalated, several departments around the table
    accepted: bool = False
    resolved_on_the_spot: bool = False
    out_of_scope: bool = False
    dispatched: bool = False
    replied: bool = False
    on_time: bool | None = None
    yellow_cards: int = 0
    red_cards: int = 0
    returns: int = 0
    extensions: int = 0
    redos: int = 0  # 重办: rounds reopened after a dissatisfied callback
    redo_overdue: int = 0  # work-order deadlines of a redo round that were missed
    consultation: bool = False  # 咨询 counted apart from 办件 cases, as the district's pack says
    round: int = 1  # the dispatch round in progress (from the work orders): a deadline closed late in a round > 1
    satisfaction: str | None = None
    exemplary: bool = Field(default=False, index=True)  # in the case library 案例库
    description: str = ""
    replies: str = ""  # every reply and resolution text, newline-separated
    solution: str = ""
    search_tokens: str = ""  # `domain.fulltext.index_tokens` of description, replies and solution
    period_day: str | None = None
    period_week: str | None = None
    period_month: str | None = Field(default=None, index=True)
    period_quarter: str | None = None
    period_year: str | None = None


class CaseTallyRow(SQLModel, table=True):
    """The rollup statistics read (`tallies`): the counts of `domain.statistics.Tally` summed over the
    registered cases received in one period with one set of names, kept in step with `audit_case` in the
    append's transaction.

    Two grains: a `day` row per Shanghai day (it carries its week, month, quarter and year labels) and a
    `month` row per month (week empty), so a month or a year of a whole city reads a few thousand rows.
    An absent name is stored as '' (a NULL would defeat the unique key); filters never hold a blank name.
    """

    __tablename__ = "audit_case_tally"

    grain: str = Field(primary_key=True)  # "day" | "month"
    period: str = Field(primary_key=True)  # the label at its grain: 2025-03-01 or 2025-03
    hall: str = Field(primary_key=True)
    district: str = Field(primary_key=True)
    department: str = Field(primary_key=True)
    channel: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    matter: str = Field(primary_key=True)
    week: str
    month: str
    quarter: str
    year: str
    received: int = 0
    accepted: int = 0
    resolved_on_the_spot: int = 0
    out_of_scope: int = 0
    dispatched: int = 0
    replied: int = 0
    responded: int = 0
    resolved: int = 0
    closed: int = 0
    on_time: int = 0
    overdue: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    returns: int = 0
    extensions: int = 0
    rated: int = 0
    satisfied: int = 0
    redos: int = 0
    redo_overdue: int = 0
    consultations: int = 0


class CaseReturnRow(SQLModel, table=True):
    """A return (退单), charged to the department that returned it: the statistics by department count returns
    here, not on the case's lead (who, after the re-routing, is another department)."""

    __tablename__ = "audit_case_return"

    work_order_id: str = Field(primary_key=True)  # an order is returned once
    case_id: str = Field(index=True)
    department: str
    returned_at: datetime
