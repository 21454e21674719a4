"""attachment files: the stored object's id, who uploaded it and when, a citizen's pending upload (no case yet)

Revision ID: d5f7b9c1e3a4
Revises: c4e6a8b0d2f3
Create Date: 2026-12-07 22:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'd5f7b9c1e3a4'
down_revision = 'c4e6a8b0d2f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        batch_op.add_column(sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('uploaded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_attachment_file_id'), ['file_id'])
        batch_op.create_index(batch_op.f('ix_attachment_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM attachment WHERE case_id IS NULL")
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_expires_at'))
        batch_op.drop_constraint(batch_op.f('uq_attachment_file_id'), type_='unique')
        for column in ('expires_at', 'uploaded_at', 'uploaded_by', 'file_id'):
            batch_op.drop_column(column)
        batch_op.alter_column('case_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
