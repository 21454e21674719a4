"""each work order's own deadline

Revision ID: 811221fba68b
Revises: d7f9a1c3e5b8
Create Date: 2026-12-07 22:23:50.973976
"""

import sqlalchemy as sa
from alembic import op

revision = '811221fba68b'
down_revision = 'd7f9a1c3e5b8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One deadline per case becomes one per work order; orders armed before start unknown (cards carry theirs).
    with op.batch_alter_table('casefacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_order_deadlines', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.drop_column('work_order_due_at')


def downgrade() -> None:
    with op.batch_alter_table('casefacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_order_due_at', sa.DATETIME(), nullable=True))
        batch_op.drop_column('work_order_deadlines')
