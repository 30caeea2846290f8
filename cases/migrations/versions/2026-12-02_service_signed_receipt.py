"""the signed 送达回证 uploaded back onto the case

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-02 09:00:00

`service_record.receipt_sha256`: the `case_evidence` hash of the signed 送达回证 (photo or scan)
an officer uploads after service (issue 15, item 5); written once. Existing rows get ''.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_sha256', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_column('receipt_sha256')
