"""trip changes

调度指挥's trip changes: one row per instruction a dispatcher gave for a service day
(cancel, short-turn, extra trip, hold, swap), with its kind-specific fields as JSON, who
gave it and when, and who revoked it and when (revoked rows stay: the audit log names
them). Their audit entries are in audit_log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trip_change",
        sa.Column("change_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("trip_id", sa.Text(), nullable=True),
        sa.Column("vehicle_id", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.Column("revoked_utc", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("change_id"),
    )
    with op.batch_alter_table("trip_change", schema=None) as batch_op:
        batch_op.create_index("ix_trip_change_day", ["service_date", "change_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trip_change", schema=None) as batch_op:
        batch_op.drop_index("ix_trip_change_day")
    op.drop_table("trip_change")
