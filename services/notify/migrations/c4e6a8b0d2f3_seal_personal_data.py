"""seal personal data: citizens' contacts and stored delivery requests encrypted

No column changes: existing plaintext values are sealed in place under the keyring of the environment
(BANCHENG_PII_*), with the same code as `python -m services.notify rotate-pii-key`. Downgrading would
need the plaintext back: refused.

Revision ID: c4e6a8b0d2f3
Revises: 5b7e1d9c3a20
Create Date: 2026-12-07 15:50:00
"""

import os

from alembic import op

from shared.personal_data import get_keyring
from shared.personal_data.rotation import reseal
from services.notify.store.personal_data import SEALED_TABLES

revision = "c4e6a8b0d2f3"
down_revision = "5b7e1d9c3a20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keyring = get_keyring(environment=os.environ.get("BANCHENG_NOTIFY_ENVIRONMENT", "development"))
    for table in SEALED_TABLES:
        reseal(op.get_bind(), table, keyring)


def downgrade() -> None:
    raise NotImplementedError("sealed personal data is not moved back to plaintext")
