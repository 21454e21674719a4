"""seal personal data: applicants' fields encrypted, blind indexes, masked forms

Existing rows are moved from plaintext to ciphertext here, under the keyring of the environment
(BANCHENG_PII_*), with the same code as `python -m services.intake rotate-pii-key`; idempotency
records keep masked answers only. Downgrading would need the plaintext back: refused.

Revision ID: b3d5f7a9c1e2
Revises: a8ac9a706227
Create Date: 2026-12-07 15:45:00
"""

import os
from dataclasses import replace

import sqlalchemy as sa
import sqlmodel
from alembic import op

from shared.personal_data import get_keyring
from shared.personal_data.rotation import reseal
from services.intake.store.personal_data import APPLICANT_FIELDS, CASE_TABLE, masked

revision = 'b3d5f7a9c1e2'
down_revision = 'a8ac9a706227'
branch_labels = None
depends_on = None

# The blind indexes this revision made; later ones add theirs (d6f8a0c2e4b6: name, credit code).
INDEXES = ('applicant_phone_index', 'applicant_id_number_index')


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_phone_index', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('applicant_id_number_index', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('applicant_masked', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_case_applicant_phone_index'), ['applicant_phone_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_applicant_id_number_index'), ['applicant_id_number_index'],
                              unique=False)
    connection = op.get_bind()
    case = sa.table('case', sa.column('id'), sa.column('applicant_masked', sa.JSON()),
                    *(sa.column(f'applicant_{name}') for name in APPLICANT_FIELDS))
    # The masked forms come from the plaintext, so before it is sealed.
    for row in connection.execute(sa.select(case).where(case.c.applicant_masked.is_(None))).mappings().all():
        applicant = {name: row[f'applicant_{name}'] for name in APPLICANT_FIELDS}
        connection.execute(sa.update(case).where(case.c.id == row['id']).values(applicant_masked=masked(applicant)))
    environment = os.environ.get('BANCHENG_INTAKE_ENVIRONMENT', 'development')
    table = replace(CASE_TABLE, indexes={name: CASE_TABLE.indexes[name] for name in INDEXES})
    reseal(connection, table, get_keyring(environment=environment))
    records = sa.table('idempotency_record', sa.column('scope'), sa.column('key'), sa.column('body', sa.JSON()))
    for row in connection.execute(sa.select(records)).mappings().all():
        applicant = row['body'].get('applicant') if isinstance(row['body'], dict) else None
        if isinstance(applicant, dict) and set(APPLICANT_FIELDS) <= set(applicant):
            body = {**row['body'], 'applicant': masked(applicant)}
            connection.execute(sa.update(records).where(records.c.scope == row['scope'], records.c.key == row['key'])
                               .values(body=body))
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.alter_column('applicant_masked', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    raise NotImplementedError("sealed personal data is not moved back to plaintext")
