"""an index of the open cases (PostgreSQL): the board, the work list and the overdue figures

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-02 10:00:00

Every read of running clocks also asks `status <> 'closed'`; without an index PostgreSQL answered it
by reading the whole case table (1 M rows at province scale, docs/scale.md "10^6 cases on
PostgreSQL"). The partial index holds only the open cases (a few percent) with the columns those
reads group, join and order by (and the team, for officer loads), so they are read from the index
alone; the running-clocks index on due date (0016) gains the 督办 level for the same reason.
SQLite would use a partial index only for a literal term, and the product binds the status as a
parameter: not created there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CASES_KEY = ['lead_department_id', 'assignee_id', 'id']  # a department's open cases are a range
OPEN_CASES_INCLUDE = ['region_code', 'institution_id', 'received_at', 'status', 'team_officer_ids']
RUNNING_PG = sa.text("open AND paused_since IS NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index('enforcement_case_open_idx', 'enforcement_case', OPEN_CASES_KEY,
                    postgresql_where=sa.text("status <> 'closed'"), postgresql_include=OPEN_CASES_INCLUDE)
    # "my cases" among the open ones: 承办人 (the assignee index of 0001) or a member of the team
    # (this one), a BitmapOr of the two
    op.create_index('enforcement_case_open_team_idx', 'enforcement_case',
                    [sa.text('(team_officer_ids::jsonb) jsonb_path_ops')], postgresql_using='gin',
                    postgresql_where=sa.text("status <> 'closed'"))
    # a scope's cases with their statistics units, read from the index alone when statistics join
    # a county's or a city's inspections, notices and penalties to their cases
    op.create_index('enforcement_case_region_units_idx', 'enforcement_case', ['region_code', 'id'],
                    postgresql_include=['lead_department_id', 'institution_id'])
    # the running clocks by due date carry their 督办 level: the board's counts and the web board's
    # per-case aggregate read the index alone instead of one heap page per clock
    op.drop_index('deadline_running_due_idx', table_name='deadline')
    op.create_index('deadline_running_due_idx', 'deadline', ['due_date', 'case_id'], postgresql_where=RUNNING_PG,
                    postgresql_include=['escalation_level'])


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('deadline_running_due_idx', table_name='deadline')
    op.create_index('deadline_running_due_idx', 'deadline', ['due_date', 'case_id'], postgresql_where=RUNNING_PG)
    op.drop_index('enforcement_case_region_units_idx', table_name='enforcement_case')
    op.drop_index('enforcement_case_open_team_idx', table_name='enforcement_case')
    op.drop_index('enforcement_case_open_idx', table_name='enforcement_case')
