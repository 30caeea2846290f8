"""statistics by month: per-unit figures of complete months, the places inspected by month, stale marks

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 09:00:00

`queries.statistics` reads the months wholly inside a period from these tables and only the rest
from the inspection, document, case and penalty rows (docs/scale.md "Statistics by month"): a
year of a province aggregates a few thousand rows instead of a million. `figure_dirty` is
appended to by every write that changes a month's figures (`cases.figures`), so a month is used
only while it is exactly what the rows say.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cases.models

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'figure_month',
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('patrol_person_times', sa.Integer(), nullable=False),
        sa.Column('problems_found', sa.Integer(), nullable=False),
        sa.Column('notices_issued', sa.Integer(), nullable=False),
        sa.Column('cases_opened', sa.Integer(), nullable=False),
        sa.Column('penalties', sa.Integer(), nullable=False),
        sa.Column('fines_yuan', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'region_code', 'department_id', name=op.f('figure_month_pkey')),
    )
    op.create_table(
        'figure_place',
        sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('place', sa.Integer(), nullable=False),
        sa.Column('era', sa.Integer(), nullable=False),
        sa.Column('months', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('region_code', 'department_id', 'place', 'era', name=op.f('figure_place_pkey')),
    )
    op.create_table(
        'figure_month_done',
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('refreshed_at', cases.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('figure_month_done_pkey')),
    )
    op.create_table(
        'figure_dirty',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('figure_dirty_pkey')),
    )
    with op.batch_alter_table('figure_dirty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('figure_dirty_month_idx'), ['month'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('figure_dirty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('figure_dirty_month_idx'))
    op.drop_table('figure_dirty')
    op.drop_table('figure_month_done')
    op.drop_table('figure_place')
    op.drop_table('figure_month')
