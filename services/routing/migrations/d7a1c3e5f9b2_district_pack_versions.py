"""district pack versions replace the catalogue versions

Routing publishes whole district packs (docs/districts.md, "At run time"); the catalogue versions it kept
alone are retired: their documents were catalogues, not packs, and a pack's first version is the shipped one.

Revision ID: d7a1c3e5f9b2
Revises: c5e779c1cbe4
Create Date: 2026-12-07 22:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'd7a1c3e5f9b2'
down_revision = 'c5e779c1cbe4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('district_pack_version',
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('district', 'version')
    )
    op.drop_table('catalogue_version')


def downgrade() -> None:
    op.create_table('catalogue_version',
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('district', 'version')
    )
    op.drop_table('district_pack_version')
