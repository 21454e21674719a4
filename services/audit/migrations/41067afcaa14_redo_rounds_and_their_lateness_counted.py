"""redo rounds and their lateness counted

Revision ID: 41067afcaa14
Revises: e4b8c2d6f1a7
Create Date: 2026-12-07 22:04:09.741809
"""

import sqlalchemy as sa
from alembic import op

revision = '41067afcaa14'
down_revision = 'e4b8c2d6f1a7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Columns added only (ALTER TABLE ADD COLUMN on SQLite too): the case table's full-text triggers and its
    # hand-written indexes stay as they are. Cases counted before rounds existed had no redo.
    with op.batch_alter_table('audit_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redos', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('redo_overdue', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('audit_case_tally', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redos', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('redo_overdue', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('audit_case_tally', schema=None) as batch_op:
        batch_op.drop_column('redo_overdue')
        batch_op.drop_column('redos')

    with op.batch_alter_table('audit_case', schema=None) as batch_op:
        batch_op.drop_column('round')
        batch_op.drop_column('redo_overdue')
        batch_op.drop_column('redos')
