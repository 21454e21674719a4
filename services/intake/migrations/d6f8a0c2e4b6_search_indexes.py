"""search: blind indexes of the applicant's name and credit code, filled for existing cases

The new columns of existing rows are filled here, in the migration, under the keyring of the
environment (BANCHENG_PII_*): `reseal` opens each sealed name and credit code and hashes it (values
already under the current key are not sealed again), the code `rotate-pii-key --reindex` runs.

Revision ID: d6f8a0c2e4b6
Revises: d6f8a0b2c4e5
Create Date: 2026-12-07 22:30:00
"""

import os

import sqlalchemy as sa
import sqlmodel
from alembic import op

from shared.personal_data import get_keyring
from shared.personal_data.rotation import reseal
from services.intake.store.personal_data import CASE_TABLE

revision = 'd6f8a0c2e4b6'
down_revision = 'd6f8a0b2c4e5'
branch_labels = None
depends_on = None

COLUMNS = ('applicant_credit_code_index', 'applicant_name_index')


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_case_{name}'), [name], unique=False)
    environment = os.environ.get('BANCHENG_INTAKE_ENVIRONMENT', 'development')
    reseal(op.get_bind(), CASE_TABLE, get_keyring(environment=environment))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.drop_index(batch_op.f(f'ix_case_{name}'))
            batch_op.drop_column(name)
