"""an index of the open deliveries by channel and due time, for the dispatcher

The dispatcher claims due deliveries and, when idle, asks when the next is due, twice a second. Where
the planner took the channel index (SQLite did for a process serving one channel, PostgreSQL without
fresh statistics) both read the channel's every delivered row and sorted what they found, a cost growing
with every delivery (docs/performance.md). The partial index
holds the open rows alone, in the order the claim takes them; the two single-column indexes it replaces
served no other query.

Revision ID: 5b7e1d9c3a20
Revises: ee2c2529ee0a
Create Date: 2026-12-05 01:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5b7e1d9c3a20"
down_revision = "ee2c2529ee0a"
branch_labels = None
depends_on = None

OPEN = sa.column("state").in_(("pending", "retrying", "sending"))


def upgrade() -> None:
    op.create_index("ix_delivery_due", "delivery", ["channel", "due_at", "created_at"],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.drop_index("ix_delivery_channel", table_name="delivery")
    op.drop_index("ix_delivery_due_at", table_name="delivery")


def downgrade() -> None:
    op.create_index("ix_delivery_due_at", "delivery", ["due_at"])
    op.create_index("ix_delivery_channel", "delivery", ["channel"])
    op.drop_index("ix_delivery_due", table_name="delivery")
