"""deadlines of a department by due time

A department's inbox (GET /departments/{department}/deadlines) reads its open deadlines soonest due first.

Revision ID: 3a9863debfee
Revises: b8d2e4f6a1c3
Create Date: 2026-12-07 22:01:39.837756
"""

from alembic import op

revision = '3a9863debfee'
down_revision = 'b8d2e4f6a1c3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_department_state_due_at', ['department', 'state', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_department_state_due_at')
