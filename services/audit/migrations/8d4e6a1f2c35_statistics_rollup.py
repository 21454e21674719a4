"""statistics rollup: audit_case_tally, filled from the case rows

Revision ID: 8d4e6a1f2c35
Revises: 3f1c2b7d9e04
Create Date: 2026-11-22 03:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "8d4e6a1f2c35"
down_revision = "3f1c2b7d9e04"
branch_labels = None
depends_on = None

KEYS = ("grain", "period", "hall", "district", "department", "channel", "kind", "matter")
LABELS = ("week", "month", "quarter", "year")
# The sums as they stood at this revision (reports._SUMS); a migration keeps its own copy, so a later
# change to the code cannot change what this step did.
SUMS = {
    "received": "count(*)",
    "accepted": "sum(CASE WHEN accepted THEN 1 ELSE 0 END)",
    "resolved_on_the_spot": "sum(CASE WHEN resolved_on_the_spot THEN 1 ELSE 0 END)",
    "out_of_scope": "sum(CASE WHEN out_of_scope THEN 1 ELSE 0 END)",
    "dispatched": "sum(CASE WHEN dispatched THEN 1 ELSE 0 END)",
    "replied": "sum(CASE WHEN replied THEN 1 ELSE 0 END)",
    "responded": "sum(CASE WHEN accepted OR resolved_on_the_spot OR out_of_scope THEN 1 ELSE 0 END)",
    "resolved": "sum(CASE WHEN state IN ('resolved', 'out_of_scope', 'archived') AND NOT out_of_scope"
                " THEN 1 ELSE 0 END)",
    "closed": "sum(CASE WHEN state IN ('resolved', 'out_of_scope', 'archived') THEN 1 ELSE 0 END)",
    "on_time": "sum(CASE WHEN on_time THEN 1 ELSE 0 END)",
    "overdue": "sum(CASE WHEN NOT on_time THEN 1 ELSE 0 END)",
    "yellow_cards": "sum(yellow_cards)",
    "red_cards": "sum(red_cards)",
    "returns": "sum(returns)",
    "extensions": "sum(extensions)",
    "rated": "sum(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END)",
    "satisfied": "sum(CASE WHEN satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END)",
}


def upgrade() -> None:
    op.create_table(
        "audit_case_tally",
        *(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False) for name in KEYS + LABELS),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        sa.PrimaryKeyConstraint(*KEYS),
    )
    names = ", ".join(f"coalesce({name}, '')" for name in KEYS[2:])
    sums = ", ".join(SUMS.values())
    columns = ", ".join(KEYS + LABELS + tuple(SUMS))
    op.execute(
        f"INSERT INTO audit_case_tally ({columns}) "
        f"SELECT 'day', period_day, {names}, period_week, period_month, period_quarter, period_year, {sums} "
        f"FROM audit_case WHERE received_at IS NOT NULL "
        f"GROUP BY period_day, {names}, period_week, period_month, period_quarter, period_year "
        f"UNION ALL "
        f"SELECT 'month', period_month, {names}, '', period_month, period_quarter, period_year, {sums} "
        f"FROM audit_case WHERE received_at IS NOT NULL "
        f"GROUP BY {names}, period_month, period_quarter, period_year"
    )


def downgrade() -> None:
    op.drop_table("audit_case_tally")
