"""a deadline is timed by the district pack version of its case

Revision ID: b8d2e4f6a1c3
Revises: 691d04f46851
Create Date: 2026-12-07 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = 'b8d2e4f6a1c3'
down_revision = '691d04f46851'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline') as batch:
        batch.add_column(sa.Column('pack_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deadline') as batch:
        batch.drop_column('pack_version')
