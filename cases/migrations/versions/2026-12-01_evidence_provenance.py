"""evidence provenance: capture time, device time, position

Revision ID: 0018
Revises: 0023
Create Date: 2026-12-01 14:00:00

`case_evidence` gains what makes a photo or a video evidence (issue 11, item 2): the capture time
read from the file itself (EXIF DateTimeOriginal, or an MP4/MOV `mvhd` creation time) and where it
came from, the device's clock when the officer attached it, and — with the officer's permission —
the position the device reported (WGS-84 degrees and its accuracy in metres). `uploaded_at`
already is the server's receipt time. Existing rows keep NULLs and an empty source.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import cases.models

revision: str = '0018'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('captured_at', cases.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('capture_source', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('device_at', cases.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('accuracy_m', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_evidence', schema=None) as batch_op:
        for name in ('accuracy_m', 'longitude', 'latitude', 'device_at', 'capture_source', 'captured_at'):
            batch_op.drop_column(name)
