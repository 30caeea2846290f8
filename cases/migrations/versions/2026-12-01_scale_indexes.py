"""indexes for province-scale reads (list order, running clocks, statistics periods, open steps)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 11:00:00

Each index serves one access path named in `docs/scale.md`; the partial ones hold only running
clocks (open, not paused) or open steps, so they stay small as the tables grow.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING_PG = sa.text("open AND paused_since IS NULL")
RUNNING_SQLITE = sa.text("open = 1 AND paused_since IS NULL")


def upgrade() -> None:
    op.create_index('enforcement_case_received_idx', 'enforcement_case', ['received_at', 'id'])
    op.create_index('enforcement_case_region_received_idx', 'enforcement_case', ['region_code', 'received_at', 'id'])
    op.create_index('enforcement_case_filed_idx', 'enforcement_case', ['filed_at'])
    op.create_index('deadline_running_due_idx', 'deadline', ['due_date', 'case_id'],
                    postgresql_where=RUNNING_PG, sqlite_where=RUNNING_SQLITE)
    op.create_index('deadline_running_case_idx', 'deadline', ['case_id', 'due_date'],
                    postgresql_where=RUNNING_PG, sqlite_where=RUNNING_SQLITE)
    op.create_index('deadline_open_id_idx', 'deadline', ['id'],
                    postgresql_where=sa.text("open"), sqlite_where=sa.text("open = 1"))
    op.create_index('inspection_started_idx', 'inspection', ['started_at'])
    op.create_index('document_type_issued_idx', 'document', ['doc_type', 'issued_at'])
    op.create_index('penalty_decided_idx', 'penalty', ['decided_on'])


def downgrade() -> None:
    for name, table in (('penalty_decided_idx', 'penalty'), ('document_type_issued_idx', 'document'),
                        ('inspection_started_idx', 'inspection'), ('deadline_open_id_idx', 'deadline'),
                        ('deadline_running_case_idx', 'deadline'), ('deadline_running_due_idx', 'deadline'),
                        ('enforcement_case_filed_idx', 'enforcement_case'),
                        ('enforcement_case_region_received_idx', 'enforcement_case'),
                        ('enforcement_case_received_idx', 'enforcement_case')):
        op.drop_index(name, table_name=table)
