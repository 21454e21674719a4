"""public citizen pages: proof-of-work challenges, SMS phone verifications, the case's promised reply date

Revision ID: d6f8a0b2c4e5
Revises: d5f7b9c1e3a4
Create Date: 2026-12-07 22:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'd6f8a0b2c4e5'
down_revision = 'd5f7b9c1e3a4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'public_challenge',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('seed', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('difficulty_bits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('spent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_public_challenge_expires_at'), 'public_challenge', ['expires_at'], unique=False)
    op.create_table(
        'phone_verification',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('phone_index', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('burnt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_phone_verification_phone_index'), 'phone_verification', ['phone_index'], unique=False)
    op.create_index(op.f('ix_phone_verification_expires_at'), 'phone_verification', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_phone_verification_expires_at'), table_name='phone_verification')
    op.drop_index(op.f('ix_phone_verification_phone_index'), table_name='phone_verification')
    op.drop_table('phone_verification')
    op.drop_index(op.f('ix_public_challenge_expires_at'), table_name='public_challenge')
    op.drop_table('public_challenge')
