"""the open cases by region and receipt (PostgreSQL): the overdue and due-soon lists of a scope

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 18:00:00

A running clock belongs to an open case (closing a case closes its clocks), so the lists filtered
by clock (overdue, due within n days) also ask `status <> 'closed'`; this partial index holds the
open cases (a few percent) by region, newest first within it, so a county's or a city's overdue
list and its bounded count read the scope's open cases only (docs/scale.md "10^6 cases on
PostgreSQL": a city's count 117 → 7 ms). Not created on SQLite, for the reason given in 0025.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index('enforcement_case_open_region_idx', 'enforcement_case', ['region_code', 'received_at', 'id'],
                    postgresql_where=sa.text("status <> 'closed'"))


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('enforcement_case_open_region_idx', table_name='enforcement_case')
