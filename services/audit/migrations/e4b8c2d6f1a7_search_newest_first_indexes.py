"""Indexes that let a search walk a district's newest cases first and stop at the page

A search returns the newest cases first, 50 at a time. Over 1.4 million cases two searches read every
candidate from the heap to sort them: district + department + state (23,810 candidates in the bench's
busiest mix) and a text common in one district (all 71,429 cases holding 租赁凭证 sit in one district in
the bench; each also rechecked for the phrase). With these the first is answered from one index in the
order asked (equality on the three names, then newest first, case id to break ties), and the second
first tries the district's newest cases in order (`search.search_cases`). The district's own index is a
prefix of the first and goes.

Revision ID: e4b8c2d6f1a7
Revises: c7a9e3b5d210
Create Date: 2026-11-22 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e4b8c2d6f1a7"
down_revision = "c7a9e3b5d210"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_case_district_newest", "audit_case", ["district", sa.text("received_at DESC"), "case_id"])
    op.create_index(
        "ix_audit_case_district_department_state_newest", "audit_case",
        ["district", "department", "state", sa.text("received_at DESC"), "case_id"],
    )
    op.drop_index("ix_audit_case_district", table_name="audit_case")


def downgrade() -> None:
    op.create_index("ix_audit_case_district", "audit_case", ["district"])
    op.drop_index("ix_audit_case_district_department_state_newest", table_name="audit_case")
    op.drop_index("ix_audit_case_district_newest", table_name="audit_case")
