"""open311: where a case is (lat, long, address), its media reference, and the clients' api keys

Revision ID: c4e6a8b0d2f3
Revises: b3d5f7a9c1e2
Create Date: 2026-12-07 17:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'c4e6a8b0d2f3'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('long', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('media_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        'open311_key',
        sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('client', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('districts', sa.JSON(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('key_hash'),
    )
    op.create_index(op.f('ix_open311_key_client'), 'open311_key', ['client'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_open311_key_client'), table_name='open311_key')
    op.drop_table('open311_key')
    with op.batch_alter_table('case', schema=None) as batch_op:
        for column in ('media_url', 'address', 'long', 'lat'):
            batch_op.drop_column(column)
