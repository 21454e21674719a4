"""case states in intake's vocabulary

Revision ID: 5806de7fe544
Revises: 91190ae91ffd
Create Date: 2026-12-07 22:50:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '5806de7fe544'
down_revision = '91190ae91ffd'
branch_labels = None
depends_on = None

CASE = sa.table('audit_case', sa.column('state', sa.String()), sa.column('in_coordination', sa.Boolean()),
                sa.column('resolved_on_the_spot', sa.Boolean()))


def upgrade() -> None:
    # Columns added only (ALTER TABLE ADD COLUMN on SQLite too): the full-text triggers and indexes stay.
    with op.batch_alter_table('audit_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resume_to', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('in_coordination', sa.Boolean(), nullable=False, server_default='0'))
    # The old names, renamed as intake names the states: 协调中 becomes a flag on a dispatched case; 办结 is
    # resolved on the spot, or called back; out of scope is the referral.
    op.execute(CASE.update().where(CASE.c.state == 'in_coordination').values(state='dispatched', in_coordination=True))
    op.execute(CASE.update().where(CASE.c.state == 'resolved', CASE.c.resolved_on_the_spot.is_(True))
               .values(state='resolved_on_spot'))
    op.execute(CASE.update().where(CASE.c.state == 'resolved').values(state='callback_recorded'))
    op.execute(CASE.update().where(CASE.c.state == 'out_of_scope').values(state='referred_out_of_scope'))


def downgrade() -> None:
    op.execute(CASE.update().where(CASE.c.in_coordination.is_(True), CASE.c.state == 'dispatched')
               .values(state='in_coordination'))
    op.execute(CASE.update().where(CASE.c.state.in_(['resolved_on_spot', 'callback_recorded', 'reviewed']))
               .values(state='resolved'))
    op.execute(CASE.update().where(CASE.c.state == 'referred_out_of_scope').values(state='out_of_scope'))
    with op.batch_alter_table('audit_case', schema=None) as batch_op:
        batch_op.drop_column('in_coordination')
        batch_op.drop_column('resume_to')
