"""safety alarms

安全监管's alarm queue: one row per alarm the gateway raised (JT/T 808 alarm bits, 苏标
ADAS/DMS items), keyed by the raising event's id so that a redelivered event is stored
once; when the terminal cleared it; and the decision taken on it (status, assignee, who
decided and when, the resolution's note). The decisions' audit entries are in audit_log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alarm",
        sa.Column("alarm_pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_key", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("vehicle_id", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=True),
        sa.Column("severity", sa.SmallInteger(), nullable=False),
        sa.Column("raised_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("alarm_id", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_utc", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("alarm_pk"),
    )
    with op.batch_alter_table("alarm", schema=None) as batch_op:
        batch_op.create_index("ix_alarm_event_key", ["event_key"], unique=True)
        batch_op.create_index("ix_alarm_queue", ["status", "severity", "raised_utc"], unique=False)
        batch_op.create_index("ix_alarm_raised_utc", ["raised_utc"], unique=False)
        batch_op.create_index("ix_alarm_phone_kind", ["phone", "kind", "raised_utc"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alarm", schema=None) as batch_op:
        batch_op.drop_index("ix_alarm_phone_kind")
        batch_op.drop_index("ix_alarm_raised_utc")
        batch_op.drop_index("ix_alarm_queue")
        batch_op.drop_index("ix_alarm_event_key")
    op.drop_table("alarm")
