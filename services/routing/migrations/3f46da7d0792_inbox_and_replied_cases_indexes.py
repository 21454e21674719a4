"""inbox and replied cases indexes

A department's inbox reads (department | coordinator, state) in creation order and the suggestions' top-up
reads (state, replied_at, case_id): each a range of its index instead of a department's or the table's whole history.
The single-column indexes on department, coordinator and routed_case.state lead the new ones, so they go;
routed_case.replied_at served that top-up alone (PostgreSQL still preferred it, filtering on state).

Revision ID: 3f46da7d0792
Revises: 4065477f3d96
Create Date: 2026-12-05 01:45:43.984301
"""

from alembic import op

revision = '3f46da7d0792'
down_revision = '4065477f3d96'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('routed_case', schema=None) as batch_op:
        batch_op.create_index('ix_routed_case_state_replied_at', ['state', 'replied_at', 'case_id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_routed_case_state'))
        batch_op.drop_index(batch_op.f('ix_routed_case_replied_at'))

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_coordinator_state_created_at', ['coordinator', 'state', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_work_order_department_state_created_at', ['department', 'state', 'created_at'],
                              unique=False)
        batch_op.drop_index(batch_op.f('ix_work_order_coordinator'))
        batch_op.drop_index(batch_op.f('ix_work_order_department'))


def downgrade() -> None:
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_coordinator'), ['coordinator'], unique=False)
        batch_op.drop_index('ix_work_order_department_state_created_at')
        batch_op.drop_index('ix_work_order_coordinator_state_created_at')

    with op.batch_alter_table('routed_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routed_case_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_routed_case_replied_at'), ['replied_at'], unique=False)
        batch_op.drop_index('ix_routed_case_state_replied_at')
