"""dispatch rounds: a redo's work orders

Revision ID: 88efc9059c2e
Revises: d7a1c3e5f9b2
Create Date: 2026-12-07 22:01:59.142823
"""

import sqlalchemy as sa
from alembic import op

revision = '88efc9059c2e'
down_revision = 'd7a1c3e5f9b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Everything dispatched before rounds existed was a first round.
    with op.batch_alter_table('routed_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_column('round')

    with op.batch_alter_table('routed_case', schema=None) as batch_op:
        batch_op.drop_column('round')
