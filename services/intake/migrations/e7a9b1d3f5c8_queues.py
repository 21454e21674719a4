"""queues: the reply's deadline on the case, and an index per queue's reading (district or hall, state, deadline)

Existing cases get no deadline here: intake hears it from sla's next `sla.deadline_armed` for the case
(re-armed on a pause, an extension or a calendar change); until then they sort last in their queue.

Revision ID: e7a9b1d3f5c8
Revises: d6f8a0c2e4b6
Create Date: 2026-12-07 23:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'e7a9b1d3f5c8'
down_revision = 'd6f8a0c2e4b6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_case_queue_district', ['district', 'state', 'reply_due_at'], unique=False)
        batch_op.create_index('ix_case_queue_hall', ['hall', 'state', 'reply_due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_queue_hall')
        batch_op.drop_index('ix_case_queue_district')
        batch_op.drop_column('reply_due_at')
