"""hotline closing figures: whether the case's reply was on time, and the callback's satisfaction

What the 12345 platform's assessment counts for a case it forwarded, sent with the closed status.
Existing cases learn them from later events only (null until then).

Revision ID: d7f9a1c3e5b8
Revises: c4e6a8b0d2f3
Create Date: 2026-12-07 23:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "d7f9a1c3e5b8"
down_revision = "c4e6a8b0d2f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("casefacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_on_time", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("satisfaction", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("casefacts", schema=None) as batch_op:
        batch_op.drop_column("satisfaction")
        batch_op.drop_column("reply_on_time")
