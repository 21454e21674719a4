"""a case keeps the district pack version it was registered under

Revision ID: e1f3a5c7b9d2
Revises: c4e6a8b0d2f3
Create Date: 2026-12-07 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'e1f3a5c7b9d2'
down_revision = 'c4e6a8b0d2f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('pack_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.drop_column('pack_version')
