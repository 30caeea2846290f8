"""the clocks carry their case's region, lead department and assignee, the case its next due date

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 09:00:00

The board counts a scope's running clocks per (lead department, 承办人); at province scale that was
a hash join of ~30,000 clocks to every open case (docs/scale.md "The board and the work list without an aggregate per request").
`cases.clock_units` copies the three values into each clock and keeps an open clock's copy equal to
its case's; this migration adds the columns, fills them for the open clocks from their cases, and
on PostgreSQL rebuilds the running-clocks index on due date with them included, so the board reads
that index alone. The clocks closed before it keep no copy: nothing reads a closed clock's (only
running clocks are counted), and filling them would rewrite every clock ever kept (4.4 million at
province scale) for nothing. A page's groups are then read pair by pair from a new partial index
by (lead department, assignee, due date), and the index of the `open` flag goes.

`enforcement_case.next_due` is the earliest due date of the case's running clocks (kept by the same
module), filled here for the open cases; on PostgreSQL the open cases are indexed in the work
list's order (next due date, then newest), so a page of it is a walk of that index instead of an
aggregate of every running clock (docs/scale.md "The board and the work list without an aggregate per request").
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING_PG = sa.text("open AND paused_since IS NULL")
COPIED = {'region_code': 'region_code', 'department_id': 'lead_department_id', 'assignee_id': 'assignee_id'}


def upgrade() -> None:
    with op.batch_alter_table('deadline') as batch:
        batch.add_column(sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
    # the index of `open` over every clock ever kept: a few percent are open, and the partial
    # indexes of running clocks (0016) and of open clocks by id serve them; PostgreSQL took it over
    # those (its rows are clustered by age) and read and filtered every open clock for a county's board
    op.drop_index('deadline_open_idx', table_name='deadline')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE deadline SET region_code = c.region_code, department_id = c.lead_department_id, "
                   "assignee_id = c.assignee_id FROM enforcement_case c "
                   "WHERE c.id = deadline.case_id AND deadline.open")
        op.drop_index('deadline_running_due_idx', table_name='deadline')
        op.create_index('deadline_running_due_idx', 'deadline', ['due_date', 'case_id'], postgresql_where=RUNNING_PG,
                        postgresql_include=['escalation_level', *COPIED])
    else:
        op.execute("UPDATE deadline SET (region_code, department_id, assignee_id) = "
                   "(SELECT c.region_code, c.lead_department_id, c.assignee_id FROM enforcement_case c "
                   "WHERE c.id = deadline.case_id) WHERE open")
    with op.batch_alter_table('enforcement_case') as batch:
        batch.add_column(sa.Column('next_due', sa.Date(), nullable=True))
    op.execute("UPDATE enforcement_case SET next_due = (SELECT min(d.due_date) FROM deadline d "
               "WHERE d.case_id = enforcement_case.id AND d.open AND d.paused_since IS NULL) "
               "WHERE status <> 'closed'")
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('enforcement_case_open_next_due_idx', 'enforcement_case',
                        ['next_due', sa.text('received_at DESC'), sa.text('id DESC')],
                        postgresql_where=sa.text("status <> 'closed'"),
                        postgresql_include=['region_code', 'lead_department_id'])
        # newest first with the region: a city's deep offset page walks the index alone, filtering
        # by region, instead of reading the row of each of the 100,000 newer cases of the province
        op.drop_index('enforcement_case_received_idx', table_name='enforcement_case')
        op.create_index('enforcement_case_received_idx', 'enforcement_case', ['received_at', 'id'],
                        postgresql_include=['region_code'])
        # the planner's statistics of the new columns; the rows just written are read from the
        # indexes alone only once VACUUM has marked their pages (docs/operations.md "Upgrading")
        op.execute("ANALYZE deadline")
        op.execute("ANALYZE enforcement_case")
    # a board page's groups, pair by pair (queries.board_page)
    op.create_index('deadline_running_group_idx', 'deadline', ['department_id', 'assignee_id', 'due_date'],
                    postgresql_where=RUNNING_PG, sqlite_where=sa.text("open = 1 AND paused_since IS NULL"))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('enforcement_case_open_next_due_idx', table_name='enforcement_case')
        op.drop_index('enforcement_case_received_idx', table_name='enforcement_case')
        op.create_index('enforcement_case_received_idx', 'enforcement_case', ['received_at', 'id'])
    with op.batch_alter_table('enforcement_case') as batch:
        batch.drop_column('next_due')
    op.drop_index('deadline_running_group_idx', table_name='deadline')
    op.create_index('deadline_open_idx', 'deadline', ['open'])
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('deadline_running_due_idx', table_name='deadline')
        op.create_index('deadline_running_due_idx', 'deadline', ['due_date', 'case_id'], postgresql_where=RUNNING_PG,
                        postgresql_include=['escalation_level'])
    with op.batch_alter_table('deadline') as batch:
        for name in reversed(COPIED):
            batch.drop_column(name)
