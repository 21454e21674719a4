"""a case keeps the district pack version it was registered under

Revision ID: e1f3a5c7b9d2
Revises: f8b0c2e4a6d9
Create Date: 2026-12-07 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'e1f3a5c7b9d2'
down_revision = 'f8b0c2e4a6d9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('pack_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.drop_column('pack_version')
