"""green channel work orders: a flag and a priority

Revision ID: 52f3fd422825
Revises: 88efc9059c2e
Create Date: 2026-12-07 22:32:10.662575
"""

import sqlalchemy as sa
from alembic import op

revision = '52f3fd422825'
down_revision = '88efc9059c2e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Orders dispatched before were ordinary ones in the inbox (their case's flag was not kept).
    with op.batch_alter_table('routed_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('green_channel', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('green_channel', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_column('priority')
        batch_op.drop_column('green_channel')

    with op.batch_alter_table('routed_case', schema=None) as batch_op:
        batch_op.drop_column('green_channel')
