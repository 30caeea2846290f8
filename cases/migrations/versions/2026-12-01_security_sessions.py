"""server-side sessions and the append-only staff audit

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import cases.models  # noqa: F401  (custom column types)

revision: str = '0014'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table('auth_session',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', cases.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', cases.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', cases.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('auth_session_officer_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('auth_session_pkey'))
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('auth_session_officer_id_idx'), ['officer_id'], unique=False)

    op.create_table('staff_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', cases.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('target_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['officer.id'], name=op.f('staff_audit_actor_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('staff_audit_pkey')),
    sa.UniqueConstraint('prev_hash', name=op.f('staff_audit_prev_hash_key'))
    )
    from cases.staff_audit import install_guards

    install_guards(op.get_bind())  # the table refuses UPDATE and DELETE


def downgrade() -> None:
    op.drop_table('staff_audit')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS staff_audit_append_only()")
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('auth_session_officer_id_idx'))
    op.drop_table('auth_session')
