"""drop the log's unused occurred-at and event-type indexes

No query reads the log by occurred-at or event type (the timeline goes by case id), and each index was
two more B-tree inserts per appended event.

Revision ID: 3f1c2b7d9e04
Revises: a52d22a877e3
Create Date: 2026-11-22 02:45:00
"""

from alembic import op

revision = "3f1c2b7d9e04"
down_revision = "a52d22a877e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_occurred_at")
        batch_op.drop_index("ix_audit_entry_event_type")


def downgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_event_type", ["event_type"], unique=False)
        batch_op.create_index("ix_audit_entry_occurred_at", ["occurred_at"], unique=False)
