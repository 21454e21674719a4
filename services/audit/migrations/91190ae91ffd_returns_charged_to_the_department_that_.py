"""returns charged to the department that returned them

Revision ID: 91190ae91ffd
Revises: a72e67057f49
Create Date: 2026-12-07 22:42:49
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '91190ae91ffd'
down_revision = 'a72e67057f49'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_case_return',
        sa.Column('work_order_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('department', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('returned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('work_order_id'),
    )
    with op.batch_alter_table('audit_case_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_case_return_case_id'), ['case_id'], unique=False)
    # The returns already logged, charged from the log itself (`->>` reads JSON on both engines).
    op.execute(
        "INSERT INTO audit_case_return (work_order_id, case_id, department, returned_at)"
        " SELECT payload->>'work_order_id', case_id, payload->>'department', min(occurred_at) FROM audit_entry"
        " WHERE event_type = 'workorder.returned' AND case_id IS NOT NULL"
        " GROUP BY payload->>'work_order_id', case_id, payload->>'department'"
    )


def downgrade() -> None:
    with op.batch_alter_table('audit_case_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_case_return_case_id'))
    op.drop_table('audit_case_return')
