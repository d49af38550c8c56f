"""stop events by time written

An index on stop_event (service_date, recorded_utc): the console keeps the day's stop
events in memory and, every few seconds, fetches only the events written or replaced
since its last read.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stop_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stop_event_day_recorded", ["service_date", "recorded_utc"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stop_event", schema=None) as batch_op:
        batch_op.drop_index("ix_stop_event_day_recorded")
