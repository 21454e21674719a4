"""consultations counted apart

Revision ID: a72e67057f49
Revises: 41067afcaa14
Create Date: 2026-12-07 22:42:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'a72e67057f49'
down_revision = '41067afcaa14'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns added only (ALTER TABLE ADD COLUMN on SQLite too): the full-text triggers and hand-written indexes
    # stay. Cases counted before were all counted as cases (办件); a recount after a replay sets them apart.
    with op.batch_alter_table('audit_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consultation', sa.Boolean(), nullable=False, server_default='0'))

    with op.batch_alter_table('audit_case_tally', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consultations', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('audit_case_tally', schema=None) as batch_op:
        batch_op.drop_column('consultations')

    with op.batch_alter_table('audit_case', schema=None) as batch_op:
        batch_op.drop_column('consultation')
