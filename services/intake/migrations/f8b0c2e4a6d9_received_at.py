"""received_at: when a case came in (a letter or phone note entered later keeps it)

Existing cases were received when they were registered: the column is filled from created_at here.

Revision ID: f8b0c2e4a6d9
Revises: e7a9b1d3f5c8
Create Date: 2026-12-07 23:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'f8b0c2e4a6d9'
down_revision = 'e7a9b1d3f5c8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    case = sa.table('case', sa.column('received_at'), sa.column('created_at'))
    op.execute(sa.update(case).values(received_at=case.c.created_at))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.alter_column('received_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('received_at')
