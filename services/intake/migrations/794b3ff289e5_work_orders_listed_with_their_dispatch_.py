"""work orders listed with their dispatch round

Revision ID: 794b3ff289e5
Revises: e1f3a5c7b9d2
Create Date: 2026-12-07 22:02:00.201791
"""

import sqlalchemy as sa
from alembic import op

revision = '794b3ff289e5'
down_revision = 'e1f3a5c7b9d2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Everything dispatched before rounds existed was a first round.
    with op.batch_alter_table('case_work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('case_work_order', schema=None) as batch_op:
        batch_op.drop_column('round')
