"""department contact person printed on documents

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 11:20:00

`department.contact`: the contact person (联系人) printed with the department's phone on every
document addressed to a party (issue 15, item 3). Existing rows get an empty string.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=32), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('contact')
