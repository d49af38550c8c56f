"""alarm attachments

The files terminals uploaded for their 苏标 alarms (0x1210 ... 0x1212, kept by the
gateway under its attachments folder), keyed by the terminal's phone, its alarm id and
the file's name; 安全监管 lists them with the alarm of that phone and alarm id.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alarm_attachment",
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("alarm_id", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_type", sa.SmallInteger(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("received_utc", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", "alarm_id", "file_name"),
    )


def downgrade() -> None:
    op.drop_table("alarm_attachment")
