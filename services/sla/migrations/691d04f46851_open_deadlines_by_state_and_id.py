"""open deadlines by state and id

A calendar reload pages through the open deadlines by id: an index on (state, id) reads the open ones in
that order, where the primary key walked every deadline ever tracked. It leads with state, so the
single-column index on state goes.

Revision ID: 691d04f46851
Revises: aefb34f4e77a
Create Date: 2026-12-05 01:45:45.162913
"""

from alembic import op

revision = '691d04f46851'
down_revision = 'aefb34f4e77a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_state_id', ['state', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_deadline_state'))


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_state'), ['state'], unique=False)
        batch_op.drop_index('ix_deadline_state_id')
